/**
 * The JSON body parser: Fastify's own (prototype-poisoning checks included), except that an
 * empty body sent as `application/json` reads as no body. Clients (and their SDKs) send
 * `POST …/cancel` with that header and nothing after it; the route's schema decides whether a
 * body was needed, and names the field when it was.
 */
import type { FastifyInstance } from 'fastify';

export function registerJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    return parseJson(request, text, done);
  });
}
