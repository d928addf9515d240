/** Signed, durable webhooks as a Parley module: the endpoints and delivery-log API, the fan-out hook on call events, and the delivery worker. */
import type { ModuleContext, ParleyModule } from '../module.js';
import { loadEncryptionKey } from '../shared/secret-box.js';
import { webhookRoutes } from '../api/routes/webhooks.js';
import { DEFAULT_DISABLE_AFTER_MS, RETRY_SCHEDULE_MS, nextAttemptDelayMs } from './backoff.js';
import type { HostLookup } from './safe-target.js';
import { WebhookEndpointService } from './endpoint-service.js';
import { CallWebhookSecrets } from './call-secrets.js';
import { fanOutEvent, fanOutOrgEvent } from './fan-out.js';
import { DeliveryWorker } from './delivery-worker.js';
import { DeliveryLog } from './delivery-log.js';
import { createCommitSignal } from './commit-signal.js';
import { enqueueAttempts, forgetAttempt, prepareDeliveryQueue } from './delivery-queue.js';

/** Tuning, from `ModuleContext.overrides.webhooks` (tests run days of schedule in milliseconds). */
export interface WebhooksModuleOptions {
  /** Delays between attempts; the delivery is abandoned after the last (default: 5 s … 8 h, 12 attempts over > 24 h). */
  readonly retryScheduleMs?: readonly number[];
  /** The deadline of one attempt, DNS to answer (default 10 s). */
  readonly timeoutMs?: number;
  /** An endpoint failing every delivery this long is disabled (default 5 days). */
  readonly disableAfterMs?: number;
  /** How often due deliveries whose job was lost are looked for (default 30 s). */
  readonly sweepIntervalMs?: number;
  /** Sends under way at once in this process (default 32). */
  readonly maxInFlight?: number;
  /** Clock of endpoint health and the disabling rule. */
  readonly now?: () => Date;
  /** Jitter source, in [0, 1). */
  readonly random?: () => number;
  /** Replaces DNS for the SSRF checks. */
  readonly lookup?: HostLookup;
}

/** A receiver gets 10 s: Stripe allows ~10 s, Svix 15 s; anything slower is retried later. */
const defaultTimeoutMs = 10_000;
const defaultSweepIntervalMs = 30_000;
const defaultMaxInFlight = 32;

export function webhooksModule(context: ModuleContext): ParleyModule {
  const { config, database, boss, box, log, services } = context;
  const options = (context.overrides?.webhooks ?? {}) as WebhooksModuleOptions;
  const now = options.now ?? (() => new Date());
  const schedule = options.retryScheduleMs ?? RETRY_SCHEDULE_MS;
  const random = options.random ?? Math.random;
  const serverKey = loadEncryptionKey(config.encryptionKey, config.dataDir);
  const callSecrets = new CallWebhookSecrets(database.db, box, serverKey, now);

  const endpoints = new WebhookEndpointService(database.db, box, {
    allowPrivate: config.webhookAllowPrivate,
    now,
    ...(options.lookup ? { lookup: options.lookup } : {}),
  });
  const worker = new DeliveryWorker({
    db: database.db,
    boss,
    box,
    log,
    metrics: context.metrics,
    allowPrivate: config.webhookAllowPrivate,
    timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
    nextDelayMs: (attempts) => nextAttemptDelayMs(attempts, random, schedule),
    disableAfterMs: options.disableAfterMs ?? DEFAULT_DISABLE_AFTER_MS,
    sweepIntervalMs: options.sweepIntervalMs ?? defaultSweepIntervalMs,
    maxInFlight: options.maxInFlight ?? defaultMaxInFlight,
    now,
    callSecrets: (orgId) => callSecrets.secrets(orgId),
    ...(options.lookup ? { lookup: options.lookup } : {}),
  });
  const deliveries = new DeliveryLog(database.db, async (attempt, { replace }) => {
    if (replace) await forgetAttempt(boss, attempt.deliveryId, attempt.attempt);
    await worker.enqueue([attempt]);
  });
  const signal = createCommitSignal(database, log, async (ids) => {
    await enqueueAttempts(boss, ids.map((deliveryId) => ({ deliveryId, attempt: 1 })));
    worker.wake();
  });

  // A call's own webhook_url is held to the endpoints' rule when the call is placed.
  services.calls.addCreateCheck(async (input) => {
    if (input.webhook_url) await endpoints.assertDeliverable(input.webhook_url, 'webhook_url');
  });

  // Inside every call event's transaction: the deliveries commit with the event or not at all.
  services.calls.addEventHook(async (tx, rows, eventType) => {
    const heads = await fanOutEvent(tx, rows, eventType, new Date());
    if (heads.length > 0) await signal.afterCommit(tx, heads.map((head) => head.id));
  });

  // Organisation events (campaigns) travel the same way.
  services.orgEvents.addHook(async (tx, event) => {
    const created = await fanOutOrgEvent(tx, event);
    if (created.length > 0) await signal.afterCommit(tx, created.map((row) => row.id));
  });

  return {
    name: 'webhooks',
    routes: (app) => webhookRoutes(app, services, { endpoints, deliveries, callSecrets }),
    async start() {
      await prepareDeliveryQueue(boss);
      // An API-only process (PARLEY_WORKER=off) records deliveries; worker processes send them.
      if (!config.worker) return;
      await worker.start();
      await signal.start();
    },
    async stop() {
      await signal.stop();
      await worker.stop();
    },
  };
}
