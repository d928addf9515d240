/** Phone numbers an organisation owns on a carrier, optionally assigned to an agent. */
import { and, asc, eq, notInArray } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { calls, phoneNumbers } from '../store/schema.js';
import { terminalStatuses } from '../calls/call-status.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { CarrierId } from '../telephony/types.js';

export type PhoneNumberRow = typeof phoneNumbers.$inferSelect;

export interface PhoneNumberView {
  readonly id: string;
  readonly number: string;
  readonly carrier: string;
  readonly agent_id: string | null;
  readonly label: string | null;
  readonly created_at: string;
}

export function phoneNumberView(row: PhoneNumberRow): PhoneNumberView {
  return {
    id: row.id,
    number: row.number,
    carrier: row.carrier,
    agent_id: row.agentId,
    label: row.label,
    created_at: row.createdAt.toISOString(),
  };
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  return code === '23505';
}

export class PhoneNumberService {
  /** `assertAgent` throws AGENT_NOT_FOUND for an agent the organisation does not have. */
  constructor(private readonly db: Db, private readonly assertAgent: (orgId: string, agentId: string) => Promise<unknown>) {}

  async create(orgId: string, input: { number: string; carrier: CarrierId; agent_id?: string | null | undefined; label?: string | null | undefined }): Promise<PhoneNumberRow> {
    // An empty id is looked up (and not found), never written: it would break the foreign key.
    if (input.agent_id !== undefined && input.agent_id !== null) await this.assertAgent(orgId, input.agent_id);
    try {
      const [row] = await this.db
        .insert(phoneNumbers)
        .values({ id: newId('pn'), orgId, number: input.number, carrier: input.carrier, agentId: input.agent_id ?? null, label: input.label ?? null })
        .returning();
      return row!;
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('PHONE_NUMBER_EXISTS', undefined, { details: { field: 'number' } });
      throw error;
    }
  }

  async get(orgId: string, id: string): Promise<PhoneNumberRow> {
    const row = await this.db.query.phoneNumbers.findFirst({ where: and(eq(phoneNumbers.id, id), eq(phoneNumbers.orgId, orgId)) });
    if (!row) throw new AppError('PHONE_NUMBER_NOT_FOUND', undefined, { details: { phone_number_id: id } });
    return row;
  }

  async findByNumber(orgId: string, number: string): Promise<PhoneNumberRow | undefined> {
    return this.db.query.phoneNumbers.findFirst({ where: and(eq(phoneNumbers.number, number), eq(phoneNumbers.orgId, orgId)) });
  }

  /** The agent's caller id: its first assigned number. */
  async firstForAgent(orgId: string, agentId: string): Promise<PhoneNumberRow | undefined> {
    return this.db.query.phoneNumbers.findFirst({
      where: and(eq(phoneNumbers.agentId, agentId), eq(phoneNumbers.orgId, orgId)),
      orderBy: asc(phoneNumbers.createdAt),
    });
  }

  async list(orgId: string, filter: { agentId?: string | undefined } = {}): Promise<PhoneNumberRow[]> {
    return this.db
      .select()
      .from(phoneNumbers)
      .where(and(eq(phoneNumbers.orgId, orgId), filter.agentId ? eq(phoneNumbers.agentId, filter.agentId) : undefined))
      .orderBy(asc(phoneNumbers.createdAt));
  }

  async update(orgId: string, id: string, patch: { agent_id?: string | null | undefined; label?: string | null | undefined }): Promise<PhoneNumberRow> {
    const current = await this.get(orgId, id);
    if (patch.agent_id !== undefined && patch.agent_id !== null) await this.assertAgent(orgId, patch.agent_id);
    const [row] = await this.db
      .update(phoneNumbers)
      .set({
        agentId: patch.agent_id === undefined ? current.agentId : patch.agent_id,
        label: patch.label === undefined ? current.label : patch.label,
      })
      .where(and(eq(phoneNumbers.id, id), eq(phoneNumbers.orgId, orgId)))
      .returning();
    return row!;
  }

  /**
   * Deletes a number. Ended calls placed from it keep their `from` number and lose only the link
   * to its row; a number with calls still queued or live is refused (they would dial from, or run
   * on, a number that is gone).
   */
  async remove(orgId: string, id: string): Promise<void> {
    await this.get(orgId, id);
    await this.db.transaction(async (tx) => {
      const [pending] = await tx.select({ id: calls.id }).from(calls)
        .where(and(eq(calls.phoneNumberId, id), notInArray(calls.status, [...terminalStatuses]))).limit(1);
      if (pending) throw new AppError('PHONE_NUMBER_IN_USE', undefined, { details: { phone_number_id: id } });
      await tx.update(calls).set({ phoneNumberId: null }).where(eq(calls.phoneNumberId, id));
      await tx.delete(phoneNumbers).where(and(eq(phoneNumbers.id, id), eq(phoneNumbers.orgId, orgId)));
    });
  }
}
