/** Organisations: the default one is created on first start, with its bootstrap admin key. */
import { eq } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { organizations } from '../store/schema.js';
import type { ApiKeyService } from '../keys/api-keys.js';
import { newId } from '../shared/ids.js';

export const defaultOrgId = 'org_default';

export interface BootstrapResult {
  readonly orgId: string;
  /** A generated admin key, present only on the start that created it. */
  readonly generatedKey: string | undefined;
}

/**
 * Makes sure the default organisation exists. With `initApiKey` that value becomes an admin key
 * (idempotently, every start); otherwise the start that creates the organisation generates one.
 */
export async function bootstrapDefaultOrganization(db: Db, keys: ApiKeyService, initApiKey: string | undefined): Promise<BootstrapResult> {
  const created = await db
    .insert(organizations)
    .values({ id: defaultOrgId, name: 'Default', isDefault: true })
    .onConflictDoNothing()
    .returning();
  if (initApiKey) {
    await keys.create(defaultOrgId, 'bootstrap (PARLEY_INIT_API_KEY)', ['admin'], initApiKey);
    return { orgId: defaultOrgId, generatedKey: undefined };
  }
  if (created.length === 0) return { orgId: defaultOrgId, generatedKey: undefined };
  const { key } = await keys.create(defaultOrgId, 'bootstrap', ['admin']);
  return { orgId: defaultOrgId, generatedKey: key };
}

/** A new, empty organisation (tests isolate themselves this way). */
export async function createOrganization(db: Db, name: string, maxConcurrentCalls?: number): Promise<string> {
  const id = newId('org');
  await db.insert(organizations).values({ id, name, maxConcurrentCalls: maxConcurrentCalls ?? null });
  return id;
}

export async function setOrganizationConcurrency(db: Db, orgId: string, maxConcurrentCalls: number | null): Promise<void> {
  await db.update(organizations).set({ maxConcurrentCalls }).where(eq(organizations.id, orgId));
}
