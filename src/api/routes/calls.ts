/** /v1/calls: place, read, list, cancel calls and read their events. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authenticate, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import { callView } from '../../calls/call-view.js';
import { callStatuses, isTerminal, type CallStatus } from '../../calls/call-status.js';
import { AppError } from '../../shared/errors.js';
import { toE164 } from '../../shared/phone.js';
import { customHeadersSchema } from '../../webhooks/custom-headers.js';

export const variableValue = z.union([z.string().max(5000), z.number(), z.boolean()]);

export const createCallBody = z
  .object({
    agent_id: z.string().min(1).max(100),
    to: z.string().min(1).max(32).describe('E.164, e.g. +14155550100'),
    from: z.string().max(32).nullish().describe("One of the organisation's numbers; defaults to the agent's"),
    variables: z.record(z.string().min(1).max(64), variableValue).optional().describe('At most 25 keys'),
    metadata: z.record(z.string(), z.unknown()).optional(),
    scheduled_for: z.iso.datetime({ offset: true }).nullish(),
    max_duration_s: z.number().int().min(10).max(14_400).nullish(),
    webhook_url: z.url({ protocol: /^https?$/ }).max(2048).nullish(),
    webhook_headers: customHeadersSchema.optional().describe("Headers sent with this call's own webhooks, e.g. an Authorization; kept sealed"),
    transfer_numbers: z.array(z.string().max(32)).max(32).optional().describe("The only numbers this call may be transferred to (instead of the agent's)"),
    recording: z
      .object({ enabled: z.boolean().optional(), disclosure: z.string().trim().min(1).max(1000).nullish() })
      .strict()
      .optional()
      .describe("Overrides the agent's recording setting for this call"),
  })
  .strict();

const idParams = z.object({ id: z.string().min(1).max(100) });

const listQuery = z
  .object({
    status: z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (!value) return undefined;
        const statuses = value.split(',').map((s) => s.trim());
        const bad = statuses.find((s) => !(callStatuses as readonly string[]).includes(s));
        if (bad) ctx.addIssue({ code: 'custom', message: `unknown status "${bad}"; one of ${callStatuses.join(', ')}` });
        return statuses as CallStatus[];
      }),
    agent_id: z.string().max(100).optional(),
    number: z.string().max(32).optional(),
    created_after: z.iso.datetime({ offset: true }).optional(),
    created_before: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(500).optional(),
  })
  .strict();

export function callRoutes(app: FastifyInstance, services: ApiServices): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { calls, keys } = services;

  api.post(
    '/v1/calls',
    {
      schema: {
        tags: ['calls'],
        summary: 'Place a call',
        body: createCallBody,
        headers: z.object({ 'idempotency-key': z.string().min(1).max(255).optional() }).passthrough(),
      },
      onRequest: authenticate(keys, 'calls:write'),
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const key = request.headers['idempotency-key'] as string | undefined;
      const { call, created } = await calls.place(orgId, request.body, key);
      if (!created) void reply.header('idempotent-replayed', 'true');
      return reply.status(created ? 201 : 200).send(callView(call));
    },
  );

  api.get(
    '/v1/calls',
    { schema: { tags: ['calls'], summary: 'List calls, newest first', querystring: listQuery }, onRequest: authenticate(keys, 'calls:read') },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      let number: string | undefined;
      if (q.number) {
        number = toE164(q.number) ?? undefined;
        if (!number) throw new AppError('INVALID_PHONE_NUMBER', '"number" must be an E.164 number', { details: { field: 'number' } });
      }
      const page = await calls.list(
        orgId,
        {
          status: q.status,
          agentId: q.agent_id,
          number,
          createdAfter: q.created_after ? new Date(q.created_after) : undefined,
          createdBefore: q.created_before ? new Date(q.created_before) : undefined,
        },
        { limit: q.limit, cursor: q.cursor },
      );
      return { data: page.data.map(callView), has_more: page.nextCursor !== null, next_cursor: page.nextCursor };
    },
  );

  api.post(
    '/v1/calls/bulk-get',
    {
      schema: { tags: ['calls'], summary: 'Get up to 100 calls by id', body: z.object({ ids: z.array(z.string().min(1).max(100)).min(1).max(100) }).strict() },
      onRequest: authenticate(keys, 'calls:read'),
    },
    async (request) => {
      const rows = await calls.bulkGet(principalOf(request).orgId, request.body.ids);
      const found = new Set(rows.map((row) => row.id));
      return { data: rows.map(callView), not_found: request.body.ids.filter((id) => !found.has(id)) };
    },
  );

  api.get(
    '/v1/calls/:id',
    { schema: { tags: ['calls'], summary: 'Get a call', params: idParams }, onRequest: authenticate(keys, 'calls:read') },
    async (request) => callView(await calls.get(principalOf(request).orgId, request.params.id)),
  );

  api.post(
    '/v1/calls/:id/cancel',
    { schema: { tags: ['calls'], summary: 'Cancel a queued, ringing or live call', params: idParams }, onRequest: authenticate(keys, 'calls:write') },
    async (request) => callView(await calls.requestCancel(principalOf(request).orgId, request.params.id)),
  );

  api.post(
    '/v1/calls/:id/analyze',
    { schema: { tags: ['calls'], summary: 'Run the post-call analysis again (summary, outcome, tags)', params: idParams }, onRequest: authenticate(keys, 'calls:write') },
    async (request) => {
      const call = await calls.get(principalOf(request).orgId, request.params.id);
      if (!isTerminal(call.status as CallStatus)) throw new AppError('CALL_NOT_ENDED', undefined, { details: { status: call.status } });
      return callView(await services.analyzer.analyze(call));
    },
  );

  api.get(
    '/v1/calls/:id/events',
    { schema: { tags: ['calls'], summary: "A call's events, oldest first", params: idParams }, onRequest: authenticate(keys, 'calls:read') },
    async (request) => {
      const events = await calls.events(principalOf(request).orgId, request.params.id);
      return { data: events.map((event) => ({ id: event.id, type: event.type, data: event.data, created_at: event.createdAt.toISOString() })) };
    },
  );
}
