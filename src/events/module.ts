/** Live events: GET /v1/events streams the organisation's call events (server-sent events). */
import type { ModuleContext, ParleyModule } from '../module.js';
import { eventRoutes } from '../api/routes/events.js';
import { EventFeed } from './event-feed.js';

export function eventsModule(context: ModuleContext): ParleyModule {
  const feed = new EventFeed(context.database.db, { onError: (error) => context.log.warn({ err: error }, 'event feed read failed; retrying') });
  // A transition committed in this process is read at once; others arrive with the next poll.
  context.services.calls.onTransition(() => feed.poke());
  return {
    name: 'events',
    routes: (app) => eventRoutes(app, context.services, feed),
    stop: () => feed.stop(),
  };
}
