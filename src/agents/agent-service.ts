/** Agents: what a call's agent says and how; CRUD scoped to one organisation. */
import { and, desc, eq, inArray, isNull, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { agents, calls, campaigns } from '../store/schema.js';
import { terminalStatuses } from '../calls/call-status.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { AgentSpec } from '../brain/types.js';
import { parseAgentSettings, type AgentSettings } from '../conversation/agent-settings.js';
import { settingsKeys, type AgentInput, type AgentPatch } from './agent-settings.js';
import { flowTemplates, type FlowTemplateName } from '../brain/flow/templates.js';
import { afterCursor, toPage, type Page } from '../shared/pagination.js';

type StoredAgentRow = typeof agents.$inferSelect;

/** A stored agent as every reader gets it: its settings parsed once, when it is loaded. */
export type AgentRow = Omit<StoredAgentRow, 'settings'> & { readonly settings: AgentSettings };

function loaded(row: StoredAgentRow): AgentRow;
function loaded(row: StoredAgentRow | undefined): AgentRow | undefined;
function loaded(row: StoredAgentRow | undefined): AgentRow | undefined {
  return row && { ...row, settings: parseAgentSettings(row.settings) };
}

/**
 * Checks (and may rewrite, e.g. to encrypt a key) an agent's settings before they are saved.
 * Capabilities contribute these: flows validate their graph, LLM settings their provider.
 */
export type AgentSettingsCheck = (settings: Record<string, unknown>, agent: { prompt: string; greeting: string | null }) =>
  Promise<Record<string, unknown>> | Record<string, unknown>;

/** Turns stored settings into what the API shows (e.g. masks a stored key). */
export type AgentSettingsView = (settings: Record<string, unknown>) => Record<string, unknown>;

export interface AgentView {
  readonly id: string;
  readonly name: string;
  readonly prompt: string;
  readonly greeting: string | null;
  readonly first_speaker: string;
  readonly language: string;
  readonly voice: string | null;
  readonly default_variables: Record<string, string>;
  readonly metadata: Record<string, unknown>;
  readonly created_at: string;
  readonly updated_at: string;
  readonly [setting: string]: unknown;
}

function pickSettings(input: Partial<AgentInput>): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const key of settingsKeys) {
    const value = (input as Record<string, unknown>)[key];
    if (value !== undefined && value !== null) settings[key] = value;
  }
  return settings;
}

export class AgentService {
  constructor(
    private readonly db: Db,
    private readonly checks: readonly AgentSettingsCheck[] = [],
    private readonly views: readonly AgentSettingsView[] = [],
    /** Prepares stored settings for a brain (opens sealed secrets). */
    private readonly brainSettings: (settings: AgentSettings) => AgentSettings = (settings) => settings,
  ) {}

  /** The brain's view of a stored agent, with its secrets opened. */
  spec(row: AgentRow): AgentSpec {
    return { ...toAgentSpec(row), settings: this.brainSettings(row.settings) };
  }

  async create(orgId: string, input: AgentInput): Promise<AgentRow> {
    return this.insert(this.db, orgId, input, await this.check(pickSettings(input), input.prompt, input.greeting ?? null));
  }

  /**
   * The live agent whose metadata contains `match`, or a new one from `input` (whose metadata
   * must contain `match`). Requests racing with the same `match` make one agent: the lookup and
   * the insert run under a transaction lock on the organisation and `match`.
   */
  async findOrCreate(orgId: string, match: Record<string, unknown>, input: AgentInput): Promise<AgentRow> {
    const settings = await this.check(pickSettings(input), input.prompt, input.greeting ?? null);
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`${orgId}:${JSON.stringify(match)}`}, 0))`);
      const existing = await this.findByMetadata(orgId, match, tx);
      return existing ?? this.insert(tx, orgId, input, settings);
    });
  }

  private async insert(db: Db, orgId: string, input: AgentInput, settings: Record<string, unknown>): Promise<AgentRow> {
    const template = typeof settings.template === 'string' ? flowTemplates[settings.template as FlowTemplateName] : undefined;
    const [row] = await db
      .insert(agents)
      .values({
        id: newId('agent'),
        orgId,
        name: input.name,
        prompt: input.prompt,
        greeting: input.greeting ?? null,
        firstSpeaker: input.first_speaker,
        language: input.language,
        voice: input.voice ?? null,
        variableDefaults: { ...template?.variableDefaults, ...input.default_variables },
        settings,
        metadata: input.metadata,
      })
      .returning();
    return loaded(row!);
  }

  async get(orgId: string, id: string): Promise<AgentRow> {
    const row = await this.db.query.agents.findFirst({
      where: and(eq(agents.id, id), eq(agents.orgId, orgId), isNull(agents.deletedAt)),
    });
    if (!row) throw new AppError('AGENT_NOT_FOUND', undefined, { details: { agent_id: id } });
    return loaded(row);
  }

  /** The agent a call was placed with, even if it was deleted since. */
  async getForCall(id: string): Promise<AgentRow | undefined> {
    return loaded(await this.db.query.agents.findFirst({ where: eq(agents.id, id) }));
  }

  /** Finds an agent by id or, failing that, by exact name (the compat dialects need both). */
  async findByIdOrName(orgId: string, idOrName: string): Promise<AgentRow | undefined> {
    return loaded(await this.db.query.agents.findFirst({
      where: and(eq(agents.orgId, orgId), isNull(agents.deletedAt), or(eq(agents.id, idOrName), eq(agents.name, idOrName))),
      orderBy: desc(agents.createdAt),
    }));
  }

  /**
   * The newest live agent whose metadata contains `match` (JSON containment), e.g.
   * `{external_ids: ['019addcc-…']}`: how the compat dialects find agents by a vendor's own ids.
   */
  async findByMetadata(orgId: string, match: Record<string, unknown>, db: Db = this.db): Promise<AgentRow | undefined> {
    return loaded(await db.query.agents.findFirst({
      where: and(eq(agents.orgId, orgId), isNull(agents.deletedAt), sql`${agents.metadata} @> ${JSON.stringify(match)}::jsonb`),
      orderBy: desc(agents.createdAt),
    }));
  }

  async list(orgId: string, options: { limit: number; cursor?: string | undefined }): Promise<Page<AgentRow>> {
    const rows = await this.db
      .select()
      .from(agents)
      .where(
        and(
          eq(agents.orgId, orgId),
          isNull(agents.deletedAt),
          afterCursor(agents, options.cursor),
        ),
      )
      .orderBy(desc(agents.createdAt), desc(agents.id))
      .limit(options.limit + 1);
    return toPage(rows.map((row) => loaded(row)), options.limit);
  }

  async update(orgId: string, id: string, patch: AgentPatch): Promise<AgentRow> {
    const current = await this.get(orgId, id);
    const prompt = patch.prompt ?? current.prompt;
    const greeting = patch.greeting === undefined ? current.greeting : patch.greeting;
    const merged = { ...current.settings, ...pickSettings(patch) };
    for (const key of settingsKeys) if ((patch as Record<string, unknown>)[key] === null) delete merged[key];
    const settings = await this.check(merged, prompt, greeting ?? null);
    const [row] = await this.db
      .update(agents)
      .set({
        name: patch.name ?? current.name,
        prompt,
        greeting: greeting ?? null,
        firstSpeaker: patch.first_speaker ?? current.firstSpeaker,
        language: patch.language ?? current.language,
        voice: patch.voice === undefined ? current.voice : patch.voice,
        variableDefaults: patch.default_variables ?? current.variableDefaults,
        metadata: patch.metadata ?? current.metadata,
        settings,
        updatedAt: new Date(),
      })
      .where(and(eq(agents.id, id), eq(agents.orgId, orgId)))
      .returning();
    return loaded(row!);
  }

  /** Soft delete: calls keep pointing at the agent they used. */
  /**
   * Deletes an agent (its calls keep pointing at it). Refused while it has work still to do: a
   * queued or live call, a campaign that may still dial (draft, running, paused), which would
   * otherwise go on calling as an agent that is gone.
   */
  async remove(orgId: string, id: string): Promise<void> {
    await this.get(orgId, id);
    await this.db.transaction(async (tx) => {
      const [call] = await tx.select({ id: calls.id }).from(calls)
        .where(and(eq(calls.orgId, orgId), eq(calls.agentId, id), notInArray(calls.status, [...terminalStatuses]))).limit(1);
      const [campaign] = await tx.select({ id: campaigns.id }).from(campaigns)
        .where(and(eq(campaigns.orgId, orgId), eq(campaigns.agentId, id), inArray(campaigns.status, ['draft', 'running', 'paused']))).limit(1);
      if (call || campaign) {
        throw new AppError('AGENT_IN_USE', undefined, { details: { agent_id: id, ...(call ? { call_id: call.id } : {}), ...(campaign ? { campaign_id: campaign.id } : {}) } });
      }
      await tx.update(agents).set({ deletedAt: new Date() }).where(and(eq(agents.id, id), eq(agents.orgId, orgId)));
    });
  }

  view(row: AgentRow): AgentView {
    let settings = { ...row.settings };
    for (const transform of this.views) settings = transform(settings);
    return {
      id: row.id,
      name: row.name,
      kind: 'prompt',
      ...settings,
      prompt: row.prompt,
      greeting: row.greeting,
      first_speaker: row.firstSpeaker,
      language: row.language,
      voice: row.voice,
      default_variables: row.variableDefaults,
      metadata: row.metadata,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
    };
  }

  private async check(settings: Record<string, unknown>, prompt: string, greeting: string | null): Promise<Record<string, unknown>> {
    let result = settings;
    for (const check of this.checks) result = await check(result, { prompt, greeting });
    return result;
  }
}

/** The brain's view of a stored agent. */
export function toAgentSpec(row: AgentRow): AgentSpec {
  return {
    id: row.id,
    name: row.name,
    prompt: row.prompt,
    greeting: row.greeting,
    firstSpeaker: row.firstSpeaker === 'contact' ? 'contact' : 'agent',
    language: row.language,
    variableDefaults: row.variableDefaults,
    settings: row.settings,
  };
}
