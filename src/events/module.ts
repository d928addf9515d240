/** Live events: GET /v1/events streams the organisation's call and campaign events (server-sent events). */
import type { ModuleContext, ParleyModule } from '../module.js';
import { eventRoutes } from '../api/routes/events.js';
import { EventFeed } from './event-feed.js';
import { recordOrgEvent } from './org-event-log.js';

export function eventsModule(context: ModuleContext): ParleyModule {
  const feed = new EventFeed(context.database.db, { onError: (error) => context.log.warn({ err: error }, 'event feed read failed; retrying') });
  // Campaign events are written with the change they report; the feed's next poll streams them.
  context.services.orgEvents.addHook(recordOrgEvent);
  // A transition committed in this process is read at once; others arrive with the next poll.
  context.services.calls.onTransition(() => feed.poke());
  return {
    name: 'events',
    routes: (app) => eventRoutes(app, context.services, feed, { maxStreamsPerOrg: context.config.maxEventStreams }),
    stop: () => feed.stop(),
  };
}
