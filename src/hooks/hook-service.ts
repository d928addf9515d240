/** Inbound hook tokens: a no-code tool (Zapier, HubSpot, n8n) starts calls with a secret URL alone. */
import { and, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../store/database.js';
import { hooks } from '../store/schema.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { generateSecret, hashSecret, visiblePrefix } from '../shared/secrets.js';
import type { CallService } from '../calls/call-service.js';
import type { CallRow } from '../calls/call-view.js';
import { maxVariables } from '../calls/call-service.js';

export type HookRow = typeof hooks.$inferSelect;

/** The payload a hook accepts (the HuskyVoice inbound-webhook shape). */
export const hookPayload = z.object({
  action: z.literal('call.create'),
  data: z.object({
    agent_id: z.string().min(1).max(100).optional(),
    contact_number: z.string().min(1).max(32),
    contact_name: z.string().max(200).optional(),
    additional_info: z.record(z.string().min(1).max(64), z.union([z.string().max(5000), z.number(), z.boolean()])).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type HookPayload = z.infer<typeof hookPayload>;

export function hookView(row: HookRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    agent_id: row.agentId,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}

export class HookService {
  constructor(
    private readonly db: Db,
    private readonly calls: CallService,
    private readonly assertAgent: (orgId: string, agentId: string) => Promise<unknown>,
  ) {}

  /** Creates a hook; `token` is shown this once. */
  async create(orgId: string, input: { name: string; agent_id?: string | null | undefined }): Promise<{ hook: HookRow; token: string }> {
    if (input.agent_id !== undefined && input.agent_id !== null) await this.assertAgent(orgId, input.agent_id);
    const token = generateSecret('hk');
    const [hook] = await this.db
      .insert(hooks)
      .values({ id: newId('hook'), orgId, name: input.name, prefix: visiblePrefix(token), tokenHash: hashSecret(token), agentId: input.agent_id ?? null })
      .returning();
    return { hook: hook!, token };
  }

  async list(orgId: string): Promise<HookRow[]> {
    return this.db.select().from(hooks).where(eq(hooks.orgId, orgId)).orderBy(desc(hooks.createdAt));
  }

  async revoke(orgId: string, id: string): Promise<HookRow> {
    const [row] = await this.db.update(hooks).set({ revokedAt: new Date() }).where(and(eq(hooks.id, id), eq(hooks.orgId, orgId))).returning();
    if (!row) throw new AppError('HOOK_NOT_FOUND');
    return row;
  }

  /** The live hook behind a token; unknown and revoked tokens look the same (404). */
  async resolve(token: string): Promise<HookRow> {
    const row = token.length > 200 ? undefined : await this.db.query.hooks.findFirst({ where: and(eq(hooks.tokenHash, hashSecret(token)), isNull(hooks.revokedAt)) });
    if (!row) throw new AppError('HOOK_NOT_FOUND', 'No active hook has that token');
    return row;
  }

  /** Runs a hook's action: places the call it describes. */
  async run(hook: HookRow, payload: HookPayload): Promise<{ call: CallRow; created: boolean }> {
    const agentId = payload.data.agent_id ?? hook.agentId;
    if (!agentId) throw new AppError('VALIDATION_FAILED', '"data.agent_id" is required: this hook has no default agent', { details: { field: 'data.agent_id' } });
    const variables: Record<string, string | number | boolean> = { ...payload.data.additional_info };
    const name = payload.data.contact_name;
    if (name && !('contact_name' in variables) && Object.keys(variables).length < maxVariables) variables.contact_name = name;
    void this.db.update(hooks).set({ lastUsedAt: new Date() }).where(eq(hooks.id, hook.id)).catch(() => undefined);
    return this.calls.place(hook.orgId, {
      agent_id: agentId,
      to: payload.data.contact_number,
      variables,
      metadata: { ...payload.data.metadata, source: 'hook', hook_id: hook.id, ...(name ? { contact_name: name } : {}) },
    });
  }
}
