/**
 * Serves the dashboard (web/dist, built by `npm install`) at `/`. A GET that no route answers
 * and that asks for a page gets the app's index.html (through the 404 handler, so dialects keep
 * their own not-found answers), so the app's routes (`/calls/…`) load on a reload or a shared
 * link; API paths keep their JSON 404.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { NotFoundPage } from '../error-handler.js';

/** web/dist of this checkout. */
export const dashboardDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** Paths that belong to the API (or carriers, or dialects): never answered with the app. */
const apiPrefixes = ['/v1/', '/compat/', '/twilio/', '/docs', '/openapi.json', '/healthz', '/metrics'];

/** The app's headers: no framing, nothing from another origin (everything it loads is its own). */
const pageHeaders = {
  'content-security-policy': "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Parley</title></head>
<body><main><h1>Parley</h1><p>The dashboard is not built. Run <code>npm install</code> (it builds <code>web/</code>), then restart.
The API works regardless: see <a href="/docs">/docs</a>.</p></main></body></html>`;

export interface Dashboard {
  /** Registers `/` and the built files (one route per file, so unknown paths reach the 404 handler). */
  routes(app: FastifyInstance): Promise<void>;
  /** For the 404 handler: answers a page request outside the API with the app. */
  readonly page: NotFoundPage;
}

export function dashboard(dir = dashboardDir): Dashboard {
  const built = existsSync(join(dir, 'index.html'));
  const send = (reply: FastifyReply) => {
    void reply.status(200).headers(pageHeaders);
    if (!built) return reply.type('text/html; charset=utf-8').send(notBuilt);
    return reply.sendFile('index.html', dir);
  };
  return {
    async routes(app) {
      if (built) {
        await app.register(fastifyStatic, {
          root: dir, wildcard: false, index: false, decorateReply: true,
          setHeaders: (reply, path) => void reply.header('cache-control', path.startsWith(join(dir, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache'),
        });
      }
      app.get('/', { schema: { hide: true } }, async (_request, reply) => send(reply));
    },
    page(request: FastifyRequest, reply: FastifyReply) {
      if (request.method !== 'GET' || !(request.headers.accept ?? '').includes('text/html')) return false;
      const path = request.url.split('?')[0] ?? '';
      if (apiPrefixes.some((prefix) => path === prefix.replace(/\/$/, '') || path.startsWith(prefix))) return false;
      if (!built || typeof reply.sendFile === 'function') {
        void send(reply);
        return true;
      }
      return false;
    },
  };
}
