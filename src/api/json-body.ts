/**
 * The JSON body parser: Fastify's own (prototype-poisoning checks included), except that an
 * empty body sent as `application/json` reads as no body. Clients (and their SDKs) send
 * `POST …/cancel` with that header and nothing after it; the route's schema decides whether a
 * body was needed, and names the field when it was. A body that is not JSON is refused with
 * JSON.parse's own reason and position (see error-handler.ts).
 */
import type { FastifyInstance } from 'fastify';

export function registerJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    return parseJson(request, text, (error, value) => {
      if (!error) return done(null, value);
      // Fastify's parser keeps no reason; JSON.parse, run again on the refused body, says what
      // it expected and where (a body refused for prototype poisoning parses, and keeps Fastify's error).
      let syntax: unknown;
      try {
        JSON.parse(text);
      } catch (caught) {
        syntax = caught;
      }
      done(syntax instanceof SyntaxError ? Object.assign(syntax, { statusCode: 400 }) : error, undefined);
    });
  });
}
