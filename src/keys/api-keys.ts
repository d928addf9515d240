/** API keys: shown once, stored hashed with a visible prefix, scoped, revocable. */
import { and, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { apiKeys } from '../store/schema.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { generateSecret, hashSecret, visiblePrefix } from '../shared/secrets.js';

export const scopes = ['calls:read', 'calls:write', 'agents:read', 'agents:write', 'admin'] as const;
export type Scope = (typeof scopes)[number];

/** The PostgreSQL channel a revocation is announced on (payload: the key's hash). */
export const revokedKeysChannel = 'parley_api_key_revoked';

export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: Scope[];
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly revoked_at: string | null;
}

export interface Principal {
  readonly orgId: string;
  readonly keyId: string;
  readonly scopes: ReadonlySet<Scope>;
}

/** `admin` holds every scope. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has('admin') || principal.scopes.has(scope);
}

function view(row: typeof apiKeys.$inferSelect): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as Scope[],
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}

export class ApiKeyService {
  /** Last-used stamps are written at most this often per key, off the request path. */
  private readonly touchIntervalMs = 60_000;
  private readonly touched = new Map<string, number>();
  /**
   * Verified keys, by hash, for a few seconds: a request then needs no key lookup. A revocation
   * drops the entry at once in this process and, through `revokedKeysChannel`, in every process
   * sharing the database. Without that channel (not attached, or its connection is down) a
   * process that may share its database caches nothing.
   */
  private readonly verified = new Map<string, { principal: Principal; expiresAtMs: number }>();
  /** Bumped by every revocation heard: a lookup that raced one does not cache its answer. */
  private generation = 0;
  private revocations: { readonly listening: boolean } | undefined;
  /** What to call when a key, by hash, is revoked (its open connections). */
  private readonly watchers = new Map<string, Set<() => void>>();

  /**
   * @param shared whether other processes may use the same database (PostgreSQL): then the cache
   * is used only while `attachRevocations` reports its channel listening.
   */
  constructor(private readonly db: Db, private readonly options: { cacheTtlMs?: number; shared?: boolean } = {}) {}

  /** Called with the channel's listener; its `listening` says whether the cache may be trusted. */
  attachRevocations(listener: { readonly listening: boolean }): void {
    this.revocations = listener;
  }

  /** A key was revoked (here or in another process): forget its verification, end its connections. */
  forget(hash: string): void {
    this.generation += 1;
    this.verified.delete(hash);
    const watchers = this.watchers.get(hash);
    this.watchers.delete(hash);
    for (const revoked of watchers ?? []) revoked();
  }

  /** Revocations may have been missed (the channel dropped or came back): forget every verification, and look again at watched keys. */
  forgetAll(): void {
    this.generation += 1;
    this.verified.clear();
    void this.recheckWatched().catch(() => undefined);
  }

  /**
   * Calls `revoked` once the key `presented` is revoked, in this process or (through the channel)
   * in another; returns the unsubscribe. Long-lived connections opened with the key watch it.
   */
  watchRevocation(presented: string, revoked: () => void): () => void {
    const hash = hashSecret(presented);
    const watchers = this.watchers.get(hash) ?? new Set<() => void>();
    watchers.add(revoked);
    this.watchers.set(hash, watchers);
    return () => {
      watchers.delete(revoked);
      if (watchers.size === 0 && this.watchers.get(hash) === watchers) this.watchers.delete(hash);
    };
  }

  /** The watched keys revoked while revocations could not be heard. */
  private async recheckWatched(): Promise<void> {
    const hashes = [...this.watchers.keys()];
    if (hashes.length === 0) return;
    const revoked = await this.db.select({ hash: apiKeys.hash }).from(apiKeys).where(and(inArray(apiKeys.hash, hashes), isNotNull(apiKeys.revokedAt)));
    for (const { hash } of revoked) this.forget(hash);
  }

  private get cacheTrusted(): boolean {
    return !this.options.shared || this.revocations?.listening === true;
  }

  /** Creates a key; the returned `key` is the only time the secret is visible. */
  async create(orgId: string, name: string, keyScopes: readonly Scope[], secret?: string): Promise<ApiKeyView & { key: string }> {
    const key = secret ?? generateSecret('pk');
    const [row] = await this.db
      .insert(apiKeys)
      .values({ id: newId('key'), orgId, name, prefix: visiblePrefix(key), hash: hashSecret(key), scopes: [...new Set(keyScopes)] })
      .onConflictDoNothing({ target: apiKeys.hash })
      .returning();
    if (!row) {
      const existing = await this.db.query.apiKeys.findFirst({ where: eq(apiKeys.hash, hashSecret(key)) });
      if (!existing || existing.orgId !== orgId) throw new Error('API key collision');
      return { ...view(existing), key };
    }
    return { ...view(row), key };
  }

  async list(orgId: string): Promise<ApiKeyView[]> {
    const rows = await this.db.select().from(apiKeys).where(eq(apiKeys.orgId, orgId)).orderBy(desc(apiKeys.createdAt));
    return rows.map(view);
  }

  async revoke(orgId: string, id: string): Promise<ApiKeyView> {
    const [row] = await this.db
      .update(apiKeys)
      // Revoked again, it keeps the time it was first revoked.
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
      .where(and(eq(apiKeys.id, id), eq(apiKeys.orgId, orgId)))
      .returning();
    if (!row) throw new AppError('API_KEY_NOT_FOUND');
    this.forget(row.hash);
    // Every process listening forgets the key at once (delivered after the update committed).
    await this.db.execute(sql`select pg_notify(${revokedKeysChannel}, ${row.hash})`);
    return view(row);
  }

  /** The principal behind a presented key, or null when it is unknown or revoked. */
  async authenticate(presented: string): Promise<Principal | null> {
    if (presented.length < 10 || presented.length > 200) return null;
    const hash = hashSecret(presented);
    const now = Date.now();
    const trusted = this.cacheTrusted;
    const cached = trusted ? this.verified.get(hash) : undefined;
    if (cached && cached.expiresAtMs > now) {
      this.touch(cached.principal.keyId);
      return cached.principal;
    }
    const generation = this.generation;
    const row = await this.db.query.apiKeys.findFirst({
      where: and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)),
    });
    if (!row) {
      this.verified.delete(hash);
      return null;
    }
    this.touch(row.id);
    const principal: Principal = { orgId: row.orgId, keyId: row.id, scopes: new Set(row.scopes as Scope[]) };
    if (!trusted || generation !== this.generation) return principal;
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(hash, { principal, expiresAtMs: now + (this.options.cacheTtlMs ?? 10_000) });
    return principal;
  }

  private touch(id: string): void {
    const now = Date.now();
    if ((this.touched.get(id) ?? 0) + this.touchIntervalMs > now) return;
    this.touched.set(id, now);
    void this.db.update(apiKeys).set({ lastUsedAt: new Date(now) }).where(eq(apiKeys.id, id)).catch(() => undefined);
  }
}
