/**
 * The organisation's do-not-call list: numbers added by the API, a CSV upload, or a callee who
 * asked not to be called again (the opt_out tool, a flow's opt-out, an outcome field). Every
 * call is checked against it when it is placed and again right before it is dialled.
 */
import { and, asc, count, eq, gt, inArray } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { doNotCall } from '../store/schema.js';
import { AppError } from '../shared/errors.js';
import { toE164 } from '../shared/phone.js';
import { parseCsv, type RowProblem } from '../shared/csv.js';
import { nextTurn } from '../shared/next-turn.js';

export type DoNotCallRow = typeof doNotCall.$inferSelect;
export type DoNotCallSource = 'api' | 'csv' | 'opt_out' | 'outcome';

export function doNotCallView(row: DoNotCallRow) {
  return { number: row.number, reason: row.reason, source: row.source, created_at: row.createdAt.toISOString() };
}

/** Adds a number inside the caller's transaction (an opt-out recorded with the call's end). */
export async function addToDoNotCallIn(tx: Db, orgId: string, number: string, reason: string | null, source: DoNotCallSource): Promise<void> {
  await tx.insert(doNotCall).values({ orgId, number, reason, source }).onConflictDoNothing();
}

export class DoNotCallService {
  constructor(private readonly db: Db) {}

  /** Adds numbers; each bad one is reported by its index, the rest are added. */
  async add(orgId: string, numbers: readonly string[], reason: string | null, source: DoNotCallSource = 'api') {
    const problems: RowProblem[] = [];
    const valid: string[] = [];
    for (const [index, raw] of numbers.entries()) {
      if (index > 0 && index % 500 === 0) await nextTurn();
      const number = toE164(raw);
      if (number) valid.push(number);
      else problems.push({ index, field: 'numbers', message: 'not a valid E.164 phone number' });
    }
    const added = await this.insert(orgId, valid, reason, source);
    // Every number given that was not new: on the list before, or given twice in this request.
    return { added, already_listed: valid.length - added, errors: problems };
  }

  /** Imports a CSV with a `number` (or `phone`) column; bad rows are reported by line. */
  async importCsv(orgId: string, text: string) {
    const { rows, errors } = await parseCsv(text, { phoneColumns: ['number', 'phone', 'phone_number'] });
    const valid: { number: string; reason: string | null }[] = [];
    for (const [n, row] of rows.entries()) {
      if (n > 0 && n % 500 === 0) await nextTurn();
      const number = toE164(row.phone);
      if (!number) {
        errors.push({ line: row.line, field: row.phoneColumn, message: 'not a valid E.164 phone number' });
        continue;
      }
      valid.push({ number, reason: typeof row.values['reason'] === 'string' && row.values['reason'] ? row.values['reason'] : null });
    }
    let added = 0;
    for (let i = 0; i < valid.length; i += 1000) {
      const chunk = valid.slice(i, i + 1000);
      const rowsAdded = await this.db
        .insert(doNotCall)
        .values(chunk.map((entry) => ({ orgId, number: entry.number, reason: entry.reason, source: 'csv' })))
        .onConflictDoNothing()
        .returning({ number: doNotCall.number });
      added += rowsAdded.length;
    }
    return { added, already_listed: valid.length - added, errors };
  }

  private async insert(orgId: string, numbers: readonly string[], reason: string | null, source: DoNotCallSource): Promise<number> {
    let added = 0;
    for (let i = 0; i < numbers.length; i += 1000) {
      const rows = await this.db
        .insert(doNotCall)
        .values(numbers.slice(i, i + 1000).map((number) => ({ orgId, number, reason, source })))
        .onConflictDoNothing()
        .returning({ number: doNotCall.number });
      added += rows.length;
    }
    return added;
  }

  async list(orgId: string, page: { limit: number; cursor?: string | undefined }) {
    const rows = await this.db
      .select()
      .from(doNotCall)
      .where(and(eq(doNotCall.orgId, orgId), page.cursor ? gt(doNotCall.number, page.cursor) : undefined))
      .orderBy(asc(doNotCall.number))
      .limit(page.limit + 1);
    const more = rows.length > page.limit;
    const data = rows.slice(0, page.limit);
    const [total] = await this.db.select({ n: count() }).from(doNotCall).where(eq(doNotCall.orgId, orgId));
    return { data, nextCursor: more ? data[data.length - 1]!.number : null, total: Number(total?.n ?? 0) };
  }

  async remove(orgId: string, raw: string): Promise<void> {
    const number = toE164(raw);
    if (!number) throw new AppError('INVALID_PHONE_NUMBER', 'The number must be a valid E.164 phone number', { details: { field: 'number' } });
    const removed = await this.db.delete(doNotCall).where(and(eq(doNotCall.orgId, orgId), eq(doNotCall.number, number))).returning({ number: doNotCall.number });
    if (removed.length === 0) throw new AppError('DO_NOT_CALL_ENTRY_NOT_FOUND', undefined, { details: { number: 'not listed' } });
  }

  /** Which of `numbers` are listed. */
  async listed(orgId: string, numbers: readonly string[]): Promise<Set<string>> {
    if (numbers.length === 0) return new Set();
    const rows = await this.db.select({ number: doNotCall.number }).from(doNotCall).where(and(eq(doNotCall.orgId, orgId), inArray(doNotCall.number, [...numbers])));
    return new Set(rows.map((row) => row.number));
  }

  /** Refuses a call to a listed number with NUMBER_ON_DO_NOT_CALL (a CallService create check). */
  async assertCallable(orgId: string, rawNumber: string): Promise<void> {
    const number = toE164(rawNumber);
    if (!number) return;
    if ((await this.listed(orgId, [number])).size > 0) {
      throw new AppError('NUMBER_ON_DO_NOT_CALL', undefined, { details: { field: 'to' } });
    }
  }
}
