/**
 * The secrets that sign deliveries to calls' own `webhook_url`, one set per organisation. Until
 * an organisation rotates, a secret derived from the server key signs (it needs no storage);
 * a rotation stores a new random secret, sealed, and the one before keeps signing beside it
 * for the overlap, exactly as an endpoint's rotation does.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { organizations } from '../store/schema.js';
import type { SecretBox } from '../shared/secret-box.js';
import { callWebhookSecret, openEndpointSecrets, sealEndpointSecrets, type EndpointSecrets } from './endpoint-secrets.js';
import { generateWebhookSecret } from './signer.js';

export class CallWebhookSecrets {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly serverKey: string,
    private readonly now: () => Date,
  ) {}

  /** The organisation's current secret, and the previous one while its overlap lasts. */
  async secrets(orgId: string): Promise<EndpointSecrets> {
    const row = await this.db.query.organizations.findFirst({ where: eq(organizations.id, orgId), columns: { callWebhookSecretSealed: true } });
    const sealed = row?.callWebhookSecretSealed;
    return sealed ? openEndpointSecrets(this.box, sealed) : { current: callWebhookSecret(this.serverKey, orgId) };
  }

  /** A new secret, shown only in this answer; the old one signs beside it for `overlapS` seconds. */
  async rotate(orgId: string, overlapS: number): Promise<{ secret: string; previousExpiresAt: Date | null }> {
    const before = await this.secrets(orgId);
    const secret = generateWebhookSecret();
    const previousExpiresAt = overlapS > 0 ? new Date(this.now().getTime() + overlapS * 1000) : null;
    const sealed = sealEndpointSecrets(this.box, {
      current: secret,
      ...(previousExpiresAt ? { previous: before.current, previousExpiresAt: previousExpiresAt.toISOString() } : {}),
    });
    await this.db.update(organizations).set({ callWebhookSecretSealed: sealed }).where(eq(organizations.id, orgId));
    return { secret, previousExpiresAt };
  }
}
