/**
 * GET /v1/events: the organisation's call events as server-sent events, the stream the dashboard
 * listens to. Each event is `id: <event id>`, `event: <type>` (`call.queued`, `call.completed`,
 * `call.turn`, …) and `data:` {id, type, call_id, data, created_at}. `Last-Event-ID` (or
 * `?after=`) resumes after an event; `?call_id=` narrows to one call. Needs `calls:read`.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authenticate, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import type { EventFeed, FeedEvent } from '../../events/event-feed.js';

/** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
const heartbeatMs = 15_000;
/** A reader this far behind is cut off (it reconnects with Last-Event-ID and reads the backlog). */
const maxBufferedBytes = 4 * 1024 * 1024;

const query = z.object({
  call_id: z.string().min(1).max(100).optional().describe('Only this call\'s events'),
  after: z.coerce.number().int().min(0).optional().describe('Resume after this event id (as the Last-Event-ID header)'),
});

function frame(event: FeedEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export function eventRoutes(app: FastifyInstance, services: ApiServices, feed: EventFeed): void {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });

  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/events',
    {
      schema: {
        // A stream that never ends has no place among the spec's request/answer operations (clients
        // generated from it, fuzzers and scanners read answers to the end); docs/api-guide.md, the
        // spec's description, documents it.
        hide: true,
        tags: ['events'],
        summary: 'Live call events (server-sent events)',
        description:
          'A `text/event-stream` of the organisation\'s call events as they are written, by any Parley process sharing the database. ' +
          'Each message has `id` (resume with the `Last-Event-ID` header or `?after=`), `event` (the type, e.g. `call.completed`) and `data` ' +
          '(`{"id","type","call_id","data","created_at"}`). A comment line arrives every 15 s.\n\n' +
          '```sh\ncurl -N localhost:3000/v1/events -H "Authorization: Bearer $KEY"\n```',
        querystring: query,
      },
      onRequest: authenticate(services.keys, 'calls:read'),
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const header = request.headers['last-event-id'];
      const lastId = request.query.after ?? (typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : undefined);
      const callId = request.query.call_id;

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 2000\n\n');

      let sentUpTo = lastId ?? 0;
      let pending: FeedEvent[] | undefined = lastId === undefined ? undefined : [];
      let closed = false;
      const write = (event: FeedEvent) => {
        if (closed || event.id <= sentUpTo) return;
        sentUpTo = event.id;
        raw.write(frame(event));
        if (raw.writableLength > maxBufferedBytes) close();
      };
      let unsubscribe = () => {};
      const heartbeat = setInterval(() => raw.write(': ping\n\n'), heartbeatMs);
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(close);
        raw.end();
      };
      open.add(close);
      // The response's close is the connection's (the request's fires once its body is read).
      raw.on('close', close);
      raw.on('error', close);

      try {
        unsubscribe = await feed.subscribe({ orgId, ...(callId ? { callId } : {}), send: (event) => (pending ? pending.push(event) : write(event)) });
        if (closed) return unsubscribe();
        if (lastId !== undefined) {
          // Subscribed first, then the backlog: nothing written in between is missed, nothing is sent twice.
          for (const event of await feed.backlog(orgId, lastId, callId)) write(event);
          const live = pending ?? [];
          pending = undefined;
          for (const event of live) write(event);
        }
      } catch (error) {
        request.log.warn({ err: error }, 'event stream failed to start');
        close();
      }
    },
  );
}
