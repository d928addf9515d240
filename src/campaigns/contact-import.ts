/**
 * Adds contacts to a campaign from JSON entries or CSV rows: each is checked (a valid number,
 * a known time zone, the variables its agent needs), a bad one is reported by its line or index
 * and the rest are stored, in batches. Each contact starts due at the first moment its calling
 * window opens, so a list imported at night waits without being looked at.
 */
import { eq, sql } from 'drizzle-orm';
import { rowsOf } from '../calls/live/call-claim.js';
import type { Db } from '../store/database.js';
import { campaignContacts, campaigns } from '../store/schema.js';
import { newId } from '../shared/ids.js';
import { toE164 } from '../shared/phone.js';
import type { RowProblem } from '../shared/csv.js';
import { checkWindows, isKnownZone } from '../dispatch/calling-window.js';
import type { LabelledWindow } from '../dispatch/dial-rules.js';
import { everyOffsetZone, numberTimezones } from '../dispatch/number-timezones.js';
import { contactInput, type CampaignRow } from './campaign-schema.js';
import { nextTurn } from '../shared/next-turn.js';

type Variables = Record<string, string | number | boolean>;

/** One entry to import: a JSON contact (by index) or a CSV row (by line). */
export interface ContactEntry {
  readonly line?: number;
  readonly index?: number;
  readonly input: unknown;
}

export interface ImportContext {
  readonly campaign: CampaignRow;
  readonly windows: readonly LabelledWindow[];
  readonly now: Date;
  /** Placeholders the agent needs that these variables (with the campaign's) leave empty. */
  missingVariables(variables: Variables): string[];
}

export interface ImportResult {
  readonly imported: number;
  readonly errors: RowProblem[];
}

const maxVariables = 25;
/** Rows per insert: on the embedded store each insert holds the thread, so chunks stay small. */
const chunkSize = 500;
const yieldEvery = 500;
const fieldNames = ['first_name', 'last_name', 'email'] as const;

export async function importContacts(db: Db, context: ImportContext, entries: readonly ContactEntry[]): Promise<ImportResult> {
  const errors: RowProblem[] = [];
  const where = (entry: ContactEntry) => (entry.line !== undefined ? { line: entry.line } : { index: entry.index });
  const seen = new Set<string>();
  const windowMemo = new Map<string, { at: Date; held: string | null } | null>();
  const ready: (typeof campaignContacts.$inferInsert & { where: ReturnType<typeof where> })[] = [];
  for (const [n, entry] of entries.entries()) {
    // A long list is checked a slice at a time, with a turn for live calls and requests between.
    if (n > 0 && n % yieldEvery === 0) await nextTurn();
    const parsed = contactInput.safeParse(entry.input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      errors.push({ ...where(entry), field: issue.path.join('.') || 'contact', message: issue.message });
      continue;
    }
    const { phone: rawPhone, timezone, variables: given, ...rest } = parsed.data;
    const phone = toE164(rawPhone);
    if (!phone) {
      errors.push({ ...where(entry), field: 'phone', message: 'not a valid E.164 phone number, like +14155550100' });
      continue;
    }
    if (timezone && !isKnownZone(timezone)) {
      errors.push({ ...where(entry), field: 'timezone', message: `"${timezone}" is not an IANA time zone` });
      continue;
    }
    const fields: Record<string, string> = {};
    const variables: Variables = { ...given };
    // A field that cannot be a variable refuses the whole row: reported and imported would be both.
    const unusable = Object.entries(rest).find(([, value]) => value !== null && value !== undefined && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean');
    if (unusable) {
      errors.push({ ...where(entry), field: unusable[0], message: 'must be a string, number or boolean' });
      continue;
    }
    for (const [name, value] of Object.entries(rest)) {
      if (value === null || value === undefined) continue;
      if ((fieldNames as readonly string[]).includes(name)) fields[name] = String(value);
      variables[name] = value as string | number | boolean;
    }
    if (Object.keys(variables).length > maxVariables) {
      errors.push({ ...where(entry), field: 'variables', message: `${Object.keys(variables).length} variables; at most ${maxVariables}` });
      continue;
    }
    const missing = context.missingVariables({ ...context.campaign.variables, ...variables });
    if (missing.length > 0) {
      errors.push({ ...where(entry), field: 'variables', message: `the agent needs values for: ${missing.join(', ')}` });
      continue;
    }
    if (seen.has(phone)) {
      errors.push({ ...where(entry), field: 'phone', message: 'the number is already in this list' });
      continue;
    }
    seen.add(phone);
    const known = timezone ? [timezone] : numberTimezones(phone);
    // A number in no known zone is read in every one (see dial-rules.ts).
    const zones = known.length > 0 ? known : everyOffsetZone;
    const key = zones.join('&');
    let due = windowMemo.get(key);
    if (due === undefined) {
      const verdict = checkWindows(context.windows.map((labelled) => labelled.window), zones, context.now);
      const closed = context.windows.find((labelled) => !checkWindows([labelled.window], zones, context.now).open);
      due = verdict.open ? { at: context.now, held: null } : verdict.until ? { at: verdict.until, held: closed?.reason ?? 'calling_window' } : null;
      windowMemo.set(key, due);
    }
    ready.push({
      id: newId('ccontact'),
      campaignId: context.campaign.id,
      orgId: context.campaign.orgId,
      seq: 0,
      phone,
      timezone: timezone ?? null,
      fields,
      variables,
      status: due ? 'pending' : 'skipped',
      // A number in no known zone (and no timezone given) can be in no window: see dial-rules.ts.
      result: due ? null : known.length === 0 ? 'unknown_timezone' : 'no_calling_window',
      nextAttemptAt: due?.at ?? null,
      heldReason: due?.held ?? null,
      where: where(entry),
    });
  }
  let imported = 0;
  await db.transaction(async (tx) => {
    // The campaign's row lock orders concurrent imports, so `seq` keeps the lists' order.
    await tx.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, context.campaign.id)).for('update');
    const [last] = await tx.select({ seq: sql<number | null>`max(${campaignContacts.seq})` }).from(campaignContacts).where(eq(campaignContacts.campaignId, context.campaign.id));
    let seq = Number(last?.seq ?? 0);
    for (let i = 0; i < ready.length; i += chunkSize) {
      // Statements inside a transaction take no turn of their own (store/database.ts): give one.
      if (i > 0) await nextTurn();
      const chunk = ready.slice(i, i + chunkSize);
      const rows = chunk.map((row) => ({
        id: row.id, campaign_id: row.campaignId, org_id: row.orgId, seq: ++seq, phone: row.phone, timezone: row.timezone ?? null,
        fields: row.fields ?? {}, variables: row.variables ?? {}, status: row.status ?? 'pending', result: row.result ?? null,
        next_attempt_at: row.nextAttemptAt?.toISOString() ?? null, held_reason: row.heldReason ?? null,
      }));
      // One parameter per chunk (the rows as JSON) instead of fourteen per row: building and
      // binding 140,000 parameters cost more than the insert itself.
      const stored = rowsOf<{ phone: string }>(await tx.execute(sql`
        insert into ${campaignContacts} (id, campaign_id, org_id, seq, phone, timezone, fields, variables, status, result, next_attempt_at, held_reason)
        select id, campaign_id, org_id, seq, phone, timezone, fields, variables, status, result, next_attempt_at, held_reason
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id text, campaign_id text, org_id text, seq integer, phone text, timezone text,
          fields jsonb, variables jsonb, status text, result text, next_attempt_at timestamptz, held_reason text)
        on conflict do nothing
        returning phone`));
      imported += stored.length;
      if (stored.length < chunk.length) {
        const added = new Set(stored.map((row) => row.phone));
        for (const row of chunk) if (!added.has(row.phone)) errors.push({ ...row.where, field: 'phone', message: 'the number is already in this campaign' });
      }
    }
  });
  errors.sort((a, b) => (a.line ?? a.index ?? 0) - (b.line ?? b.index ?? 0));
  return { imported, errors };
}
