/**
 * /v1/webhook-endpoints and /v1/webhook-deliveries. Writes (endpoints, secrets, replays) need
 * the `admin` scope: an endpoint receives every call's data. Reads need `calls:read`: the log
 * holds what the calls API already shows, and secrets are never read back.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authenticate, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import { webhookEventTypes } from '../../webhooks/events.js';
import { customHeadersSchema } from '../../webhooks/custom-headers.js';
import { DEFAULT_ROTATION_OVERLAP_S, type WebhookEndpointService } from '../../webhooks/endpoint-service.js';
import type { CallWebhookSecrets } from '../../webhooks/call-secrets.js';
import { deliveryView, type DeliveryLog } from '../../webhooks/delivery-log.js';
import { deliveryStatuses, type DeliveryStatus } from '../../webhooks/delivery-store.js';

export interface WebhookRouteServices {
  readonly endpoints: WebhookEndpointService;
  readonly deliveries: DeliveryLog;
  /** The secret that signs deliveries to calls' own webhook_url, for an organisation. */
  readonly callSecrets: CallWebhookSecrets;
}

const url = z
  .string()
  .max(2048, 'is longer than 2048 characters')
  .pipe(z.url({ protocol: /^https?$/, message: 'must be an http or https URL' }))
  // Credentials in the URL would be stored and shown as written: they go in headers, which are sealed.
  .refine((value) => !/^[a-z]+:\/\/[^/?#]*@/i.test(value), 'must not hold credentials (user:password@): send them as an Authorization header in "headers", which are stored encrypted')
  .refine((value) => URL.canParse(value) && new URL(value).port !== '0', 'names port 0, where nothing can listen');
const events = z
  .array(z.enum(webhookEventTypes))
  .max(webhookEventTypes.length * 2)
  .describe(`Event types wanted (empty or absent: all): ${webhookEventTypes.join(', ')}`);
const description = z.string().max(500).nullish();

const createBody = z
  .object({ url, events: events.optional(), description, headers: customHeadersSchema.optional(), enabled: z.boolean().optional() })
  .strict();
const patchBody = z
  .object({ url: url.optional(), events: events.optional(), description, headers: customHeadersSchema.optional(), enabled: z.boolean().optional() })
  .strict();
const rotateBody = z
  .object({
    previous_secret_expires_in_s: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .optional()
      .describe(`How long the old secret keeps signing beside the new one (default ${DEFAULT_ROTATION_OVERLAP_S})`),
  })
  .strict()
  .optional();
const idParams = z.object({ id: z.string().min(1).max(100) });
const pageQuery = { limit: z.coerce.number().int().min(1).max(100).default(20), cursor: z.string().max(500).optional() };
const deliveryQuery = z
  .object({
    ...pageQuery,
    call_id: z.string().max(100).optional(),
    endpoint_id: z.string().max(100).optional(),
    event_type: z.enum(webhookEventTypes).optional(),
    status: z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (!value) return undefined;
        const statuses = value.split(',').map((s) => s.trim());
        const bad = statuses.find((s) => !(deliveryStatuses as readonly string[]).includes(s));
        if (bad) ctx.addIssue({ code: 'custom', message: `unknown status "${bad}"; one of ${deliveryStatuses.join(', ')}` });
        return statuses as DeliveryStatus[];
      }),
  })
  .strict();

export function webhookRoutes(app: FastifyInstance, services: ApiServices, webhooks: WebhookRouteServices): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { keys } = services;
  const { endpoints, deliveries } = webhooks;
  const tags = ['webhooks'];

  api.post(
    '/v1/webhook-endpoints',
    { schema: { tags, summary: 'Add a webhook endpoint; its whsec_ signing secret is shown only in this answer', body: createBody }, onRequest: authenticate(keys, 'admin') },
    async (request, reply) => {
      const { endpoint, secret } = await endpoints.create(principalOf(request).orgId, request.body);
      return reply.status(201).send({ ...endpoints.view(endpoint), secret });
    },
  );
  api.get(
    '/v1/webhook-endpoints',
    { schema: { tags, summary: 'List webhook endpoints, newest first', querystring: z.object(pageQuery).strict() }, onRequest: authenticate(keys, 'calls:read') },
    async (request) => {
      const page = await endpoints.list(principalOf(request).orgId, request.query);
      return { data: page.data.map((row) => endpoints.view(row)), has_more: page.nextCursor !== null, next_cursor: page.nextCursor };
    },
  );
  api.get(
    '/v1/webhook-endpoints/:id',
    { schema: { tags, summary: 'Get a webhook endpoint (enabled, or why it was disabled)', params: idParams }, onRequest: authenticate(keys, 'calls:read') },
    async (request) => endpoints.view(await endpoints.get(principalOf(request).orgId, request.params.id)),
  );
  api.patch(
    '/v1/webhook-endpoints/:id',
    { schema: { tags, summary: 'Change a webhook endpoint; enabling it again clears its failure record', params: idParams, body: patchBody }, onRequest: authenticate(keys, 'admin') },
    async (request) => endpoints.view(await endpoints.update(principalOf(request).orgId, request.params.id, request.body)),
  );
  api.delete(
    '/v1/webhook-endpoints/:id',
    { schema: { tags, summary: 'Delete a webhook endpoint (its deliveries stay in the log)', params: idParams }, onRequest: authenticate(keys, 'admin') },
    async (request, reply) => {
      await endpoints.remove(principalOf(request).orgId, request.params.id);
      return reply.status(204).send();
    },
  );
  api.post(
    '/v1/webhook-endpoints/:id/rotate-secret',
    { schema: { tags, summary: 'Replace the signing secret; the new one is shown only in this answer', params: idParams, body: rotateBody }, onRequest: authenticate(keys, 'admin') },
    async (request) => {
      const overlapS = request.body?.previous_secret_expires_in_s ?? DEFAULT_ROTATION_OVERLAP_S;
      const { endpoint, secret, previousExpiresAt } = await endpoints.rotateSecret(principalOf(request).orgId, request.params.id, overlapS);
      return { ...endpoints.view(endpoint), secret, previous_secret_expires_at: previousExpiresAt?.toISOString() ?? null };
    },
  );
  api.get(
    '/v1/call-webhook-secret',
    { schema: { tags, summary: "The whsec_ secret that signs deliveries to calls' own webhook_url" }, onRequest: authenticate(keys, 'admin') },
    async (request) => ({ secret: (await webhooks.callSecrets.secrets(principalOf(request).orgId)).current }),
  );
  api.post(
    '/v1/call-webhook-secret/rotate',
    { schema: { tags, summary: "Replace the secret for calls' own webhook_url; the old one keeps signing beside it for the overlap", body: rotateBody }, onRequest: authenticate(keys, 'admin') },
    async (request) => {
      const overlapS = request.body?.previous_secret_expires_in_s ?? DEFAULT_ROTATION_OVERLAP_S;
      const { secret, previousExpiresAt } = await webhooks.callSecrets.rotate(principalOf(request).orgId, overlapS);
      return { secret, previous_secret_expires_at: previousExpiresAt?.toISOString() ?? null };
    },
  );

  api.get(
    '/v1/webhook-deliveries',
    { schema: { tags, summary: 'The delivery log, newest first', querystring: deliveryQuery }, onRequest: authenticate(keys, 'calls:read') },
    async (request) => {
      const q = request.query;
      const page = await deliveries.list(
        principalOf(request).orgId,
        { callId: q.call_id, endpointId: q.endpoint_id, status: q.status, eventType: q.event_type },
        { limit: q.limit, cursor: q.cursor },
      );
      return { data: page.data.map((row) => deliveryView(row)), has_more: page.nextCursor !== null, next_cursor: page.nextCursor };
    },
  );
  api.get(
    '/v1/webhook-deliveries/:id',
    { schema: { tags, summary: 'One delivery, with the payload it sends', params: idParams }, onRequest: authenticate(keys, 'calls:read') },
    async (request) => deliveryView(await deliveries.get(principalOf(request).orgId, request.params.id), { payload: true }),
  );
  api.post(
    '/v1/webhook-deliveries/:id/replay',
    { schema: { tags, summary: 'Send a delivery again now (a new attempt, the same webhook-id)', params: idParams }, onRequest: authenticate(keys, 'admin') },
    async (request, reply) => reply.status(202).send(deliveryView(await deliveries.replay(principalOf(request).orgId, request.params.id))),
  );
}
