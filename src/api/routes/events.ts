/**
 * GET /v1/events: the organisation's call and campaign events as server-sent events, the stream
 * the dashboard listens to. Each event is `id: <event id>`, `event: <type>` (`call.queued`,
 * `call.completed`, `call.turn`, `campaign.started`, …) and `data:` {id, type, call_id?,
 * campaign_id?, data, created_at}. `Last-Event-ID` (or `?after=`) resumes after an event;
 * `?call_id=` narrows to one call, `?campaign_id=` to a campaign and its calls. Needs `calls:read`.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authenticate, endOnRevocation, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import type { EventFeed, FeedEvent } from '../../events/event-feed.js';
import { AppError } from '../../shared/errors.js';
import { OrgSlots } from '../../shared/org-slots.js';

/** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
const heartbeatMs = 15_000;
/** A reader this far behind is cut off (it reconnects with Last-Event-ID and reads the backlog). */
const maxBufferedBytes = 4 * 1024 * 1024;

const query = z.object({
  call_id: z.string().min(1).max(100).optional().describe('Only this call\'s events'),
  campaign_id: z.string().min(1).max(100).optional().describe('Only this campaign\'s events and its calls\''),
  after: z.coerce.number().int().min(0).optional().describe('Resume after this event id (as the Last-Event-ID header)'),
});

/** How far below the newest id a late commit is still told apart from one already sent (the feed tracks gaps of 5,000 ids). */
const rememberedSpan = 10_000;

/**
 * The ids one stream has written. An id can commit after a higher one was sent (the feed
 * delivers it late): it still goes out, once. Ids at or below the client's Last-Event-ID never do.
 */
class SentIds {
  private readonly ids = new Set<number>();
  newest: number;

  constructor(private floor: number) {
    this.newest = floor;
  }

  /** True the first time `id` is offered, if it is above the floor. */
  add(id: number): boolean {
    if (id <= this.floor || this.ids.has(id)) return false;
    this.ids.add(id);
    this.newest = Math.max(this.newest, id);
    if (this.ids.size > 2 * rememberedSpan) {
      this.floor = this.newest - rememberedSpan;
      for (const old of this.ids) if (old <= this.floor) this.ids.delete(old);
    }
    return true;
  }
}

function frame(event: FeedEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export interface EventRouteOptions {
  /** Streams one organisation may hold open on this process; more are refused (429). */
  readonly maxStreamsPerOrg: number;
}

export function eventRoutes(app: FastifyInstance, services: ApiServices, feed: EventFeed, options: EventRouteOptions): void {
  const open = new Set<() => void>();
  /** Open streams per organisation: each holds a socket and a subscriber. */
  const slots = new OrgSlots(options.maxStreamsPerOrg);
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });

  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Live call and campaign events (server-sent events)',
        description:
          'A `text/event-stream` of the organisation\'s call and campaign events as they are written, by any Parley process sharing the database. ' +
          'Each message has `id` (resume with the `Last-Event-ID` header or `?after=`: the events written since are sent first, then the live ones, none twice), ' +
          '`event` (the type: `call.queued` … `call.completed`, `call.turn`, `campaign.started`, `campaign.paused`, `campaign.resumed`, `campaign.canceled`, `campaign.completed`) and `data` ' +
          '(`{"id","type","call_id"?,"campaign_id"?,"data","created_at"}`; a call event of a campaign\'s call carries its `campaign_id`). ' +
          'The stream subscribes before it answers: every event written after the response headers arrive is sent. ' +
          'A `: ping` comment arrives every 15 s. The answer never ends: read it as a stream.\n\n' +
          '```sh\ncurl -N localhost:3000/v1/events -H "Authorization: Bearer $KEY" -H "Last-Event-ID: 1042"\n```',
        headers: z.object({ 'last-event-id': z.string().regex(/^\d{1,15}$/, 'an event id: the digits of a message\'s `id`').optional().describe('Resume after this event id (the last message\'s `id`)') }).passthrough(),
        querystring: query,
        response: {
          200: {
            description: 'The stream: `id: <event id>`, `event: <type>`, `data: <JSON>` per message',
            content: { 'text/event-stream': { schema: z.string().describe('id: 1042\nevent: call.completed\ndata: {"id":1042,"type":"call.completed","call_id":"call_…","data":{…},"created_at":"…"}') } },
          },
        },
      },
      onRequest: authenticate(services.keys, 'calls:read'),
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const header = request.headers['last-event-id'];
      const lastId = request.query.after ?? (header === undefined ? undefined : Number(header));
      const { call_id: callId, campaign_id: campaignId } = request.query;
      const filter = { ...(callId ? { callId } : {}), ...(campaignId ? { campaignId } : {}) };

      const releaseOnce = slots.take(orgId);
      if (!releaseOnce) throw new AppError('EVENT_STREAMS_LIMIT', undefined, { details: { limit: options.maxStreamsPerOrg } });

      const sent = new SentIds(lastId ?? 0);
      // Events the feed delivers before the stream is ready (the headers, the backlog) wait here.
      let pending: FeedEvent[] | undefined = [];
      let closed = false;
      const raw = reply.raw;
      const write = (event: FeedEvent) => {
        if (closed || !sent.add(event.id)) return;
        raw.write(frame(event));
        if (raw.writableLength > maxBufferedBytes) close();
      };
      // Subscribed before the headers go out: a client that has its 200 misses nothing written
      // after it, even without Last-Event-ID. A feed that cannot subscribe is a plain 500.
      let unsubscribe: () => void;
      try {
        unsubscribe = await feed.subscribe({ orgId, ...filter, send: (event) => (pending ? pending.push(event) : write(event)) });
      } catch (error) {
        releaseOnce();
        throw error;
      }
      reply.hijack();
      if (raw.destroyed || !raw.socket || raw.socket.destroyed) {
        releaseOnce();
        return unsubscribe();
      }
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 2000\n\n');
      const heartbeat = setInterval(() => raw.write(': ping\n\n'), heartbeatMs);
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        releaseOnce();
        open.delete(close);
        raw.end();
      };
      open.add(close);
      // A revoked key hears nothing more: the stream ends the moment it is revoked.
      const unwatch = endOnRevocation(services.keys, request, close);
      raw.on('close', unwatch);
      // The response's close is the connection's (the request's fires once its body is read).
      raw.on('close', close);
      raw.on('error', close);

      try {
        if (lastId !== undefined) {
          // Subscribed first, then the backlog page by page: nothing written in between is missed,
          // nothing is sent twice. A reader too slow for it is cut off and resumes where it got to.
          for (let page = await feed.backlog(orgId, lastId, filter); page.length > 0 && !closed; page = await feed.backlog(orgId, sent.newest, filter)) {
            for (const event of page) write(event);
          }
        }
        const live = pending;
        pending = undefined;
        for (const event of live) write(event);
      } catch (error) {
        request.log.warn({ err: error }, 'event stream failed to start');
        close();
      }
    },
  );
}
