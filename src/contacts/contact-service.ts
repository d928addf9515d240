/** Contacts: the people an organisation calls, one per phone number, linked to their calls. */
import { and, desc, eq, ilike, or, sql, type AnyColumn } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../store/database.js';
import { contacts } from '../store/schema.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { afterCursor, toPage, type Page } from '../shared/pagination.js';

export type ContactRow = typeof contacts.$inferSelect;

/** Fields a contact may carry besides its number (API spelling). */
export const contactFields = z.object({
  first_name: z.string().trim().max(200).nullish(),
  last_name: z.string().trim().max(200).nullish(),
  email: z.string().trim().max(320).nullish(),
  source: z.string().trim().max(200).nullish(),
  tags: z.array(z.string().trim().min(1).max(100)).max(50).nullish(),
  notes: z.string().max(10_000).nullish(),
  custom_fields: z.record(z.string().max(100), z.unknown()).nullish(),
});
export type ContactFields = z.infer<typeof contactFields>;

export function contactView(row: ContactRow) {
  return {
    id: row.id,
    phone_number: row.phone,
    first_name: row.firstName,
    last_name: row.lastName,
    email: row.email,
    source: row.source,
    tags: row.tags,
    notes: row.notes,
    custom_fields: row.customFields,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function columns(fields: ContactFields) {
  return {
    ...(fields.first_name !== undefined ? { firstName: fields.first_name } : {}),
    ...(fields.last_name !== undefined ? { lastName: fields.last_name } : {}),
    ...(fields.email !== undefined ? { email: fields.email } : {}),
    ...(fields.source !== undefined ? { source: fields.source } : {}),
    ...(fields.tags !== undefined ? { tags: fields.tags ?? [] } : {}),
    ...(fields.notes !== undefined ? { notes: fields.notes } : {}),
    ...(fields.custom_fields !== undefined ? { customFields: fields.custom_fields ?? {} } : {}),
  };
}

/**
 * Inserts the contact for a phone number or updates the fields given; `created` says which.
 * Runs on any connection or transaction (calls link their contact inside their own transaction).
 */
export async function upsertContact(db: Db, orgId: string, phone: string, fields: ContactFields = {}): Promise<{ contact: ContactRow; created: boolean }> {
  const { id, created } = await linkContact(db, orgId, phone, fields);
  const contact = await db.query.contacts.findFirst({ where: eq(contacts.id, id) });
  return { contact: contact!, created };
}

/** The id of the contact for a phone number, inserted if new (one statement; calls use it). */
export async function linkContact(db: Db, orgId: string, phone: string, fields: ContactFields = {}): Promise<{ id: string; created: boolean }> {
  const set = columns(fields);
  const [row] = await db
    .insert(contacts)
    .values({ id: newId('contact'), orgId, phone, ...set })
    .onConflictDoUpdate({ target: [contacts.orgId, contacts.phone], set: { ...set, updatedAt: new Date() } })
    .returning({ id: contacts.id, created: sql<boolean>`(xmax = 0)` });
  return { id: row!.id, created: Boolean(row!.created) };
}

/**
 * The contact ids of many phone numbers at once (a claim round's campaign attempts), inserting
 * the new ones, in one statement. A field a number brings overwrites the stored one; a field it
 * lacks keeps what is stored. Numbers given twice are linked once, with the first one's fields.
 */
export async function linkContactsIn(db: Db, orgId: string, entries: readonly { phone: string; fields: ContactFields }[]): Promise<Map<string, string>> {
  const byPhone = new Map<string, ContactFields>();
  for (const entry of entries) if (!byPhone.has(entry.phone)) byPhone.set(entry.phone, entry.fields);
  if (byPhone.size === 0) return new Map();
  const now = new Date();
  const keep = (column: AnyColumn) => sql`coalesce(excluded.${sql.identifier(column.name)}, ${column})`;
  const rows = await db
    .insert(contacts)
    .values([...byPhone].map(([phone, fields]) => ({ id: newId('contact'), orgId, phone, firstName: fields.first_name ?? null, lastName: fields.last_name ?? null, email: fields.email ?? null, source: fields.source ?? null })))
    .onConflictDoUpdate({
      target: [contacts.orgId, contacts.phone],
      set: { firstName: keep(contacts.firstName), lastName: keep(contacts.lastName), email: keep(contacts.email), source: keep(contacts.source), updatedAt: now },
    })
    .returning({ id: contacts.id, phone: contacts.phone });
  return new Map(rows.map((row) => [row.phone, row.id]));
}

export class ContactService {
  constructor(private readonly db: Db) {}

  upsert(orgId: string, phone: string, fields: ContactFields = {}) {
    return upsertContact(this.db, orgId, phone, fields);
  }

  async get(orgId: string, id: string): Promise<ContactRow> {
    const row = await this.db.query.contacts.findFirst({ where: and(eq(contacts.id, id), eq(contacts.orgId, orgId)) });
    if (!row) throw new AppError('CONTACT_NOT_FOUND', undefined, { details: { contact_id: id } });
    return row;
  }

  async findByPhone(orgId: string, phone: string): Promise<ContactRow | undefined> {
    return this.db.query.contacts.findFirst({ where: and(eq(contacts.orgId, orgId), eq(contacts.phone, phone)) });
  }

  async list(orgId: string, options: { limit: number; cursor?: string | undefined; search?: string | undefined }): Promise<Page<ContactRow>> {
    const term = options.search ? `%${options.search.replace(/[%_\\]/g, (c) => `\\${c}`)}%` : undefined;
    const rows = await this.db
      .select()
      .from(contacts)
      .where(
        and(
          eq(contacts.orgId, orgId),
          term ? or(ilike(contacts.firstName, term), ilike(contacts.lastName, term), ilike(contacts.phone, term)) : undefined,
          afterCursor(contacts, options.cursor),
        ),
      )
      .orderBy(desc(contacts.createdAt), desc(contacts.id))
      .limit(options.limit + 1);
    return toPage(rows, options.limit);
  }

  async update(orgId: string, id: string, fields: ContactFields): Promise<ContactRow> {
    await this.get(orgId, id);
    const [row] = await this.db.update(contacts).set({ ...columns(fields), updatedAt: new Date() }).where(and(eq(contacts.id, id), eq(contacts.orgId, orgId))).returning();
    return row!;
  }

  async remove(orgId: string, id: string): Promise<void> {
    await this.get(orgId, id);
    await this.db.delete(contacts).where(and(eq(contacts.id, id), eq(contacts.orgId, orgId)));
  }
}
