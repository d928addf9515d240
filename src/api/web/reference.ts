/**
 * The API reference at /docs: Swagger UI (served from the package's own files, nothing from a
 * CDN) over two documents: /openapi.json, the native API, whose description carries
 * docs/api-guide.md (the event stream and the WebSocket protocols: chat, web call, Twilio
 * media, which OpenAPI cannot describe); and /docs/dialects.json, the compatibility dialects'
 * routes by vendor (kept out of the native spec, so a generated client sees only Parley's API).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import swaggerUi from '@fastify/swagger-ui';

const docsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs');

/** The guide shown above the native operations (the intro, then the real-time protocols). */
export function apiGuide(): string {
  try {
    return readFileSync(resolve(docsDir, 'api-guide.md'), 'utf8').replace(/^# .*\n/, '');
  } catch {
    return 'Self-hosted AI phone agents that place outbound calls.';
  }
}

interface DialectRoute {
  readonly vendor: string;
  readonly method: string;
  readonly path: string;
  readonly summary: string | undefined;
}

/** An OpenAPI document of the dialect routes: each vendor's paths under its tag. */
export function dialectDocument(routes: readonly DialectRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters = [...path.matchAll(/\{([A-Za-z_]+)\}/g)].map((match) => ({ name: match[1], in: 'path', required: true, schema: { type: 'string' } }));
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      tags: [route.vendor],
      summary: route.summary ?? `${route.vendor}: ${route.method} ${path.replace(`/compat/${route.vendor}`, '')}`,
      description: `The ${route.vendor} API's own request and answer, served by Parley: replace the vendor's origin with \`http://<parley>/compat/${route.vendor}\` and its key with a Parley key. docs/compat.md says what maps where and what is refused.`,
      ...(parameters.length ? { parameters } : {}),
      responses: { default: { description: `As ${route.vendor} documents it` } },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Parley compatibility dialects', version: '1.0.0', description: 'HuskyVoice, Voicing AI, Hamsa, HappyRobot and VozAgent, spoken by Parley under `/compat/<vendor>`. Calls placed through a dialect are ordinary Parley calls.' },
    paths,
  };
}

/** Registers /docs; call before the dialects' routes, so it sees them being added. */
export async function referenceRoutes(app: FastifyInstance): Promise<void> {
  const dialects: DialectRoute[] = [];
  app.addHook('onRoute', (route) => {
    const match = /^\/compat\/([a-z]+)\//.exec(route.url);
    if (!match) return;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      dialects.push({ vendor: match[1]!, method, path: route.url, summary: (route.schema as { summary?: string } | undefined)?.summary });
    }
  });
  let document: Record<string, unknown> | undefined;
  app.get('/docs/dialects.json', { schema: { hide: true } }, async () => (document ??= dialectDocument(dialects)));
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // No "validate at swagger.io" badge: the page makes no request off this server.
    uiConfig: {
      validatorUrl: null, docExpansion: 'list', deepLinking: true,
      urls: [{ url: '/openapi.json', name: 'Parley API' }, { url: '/docs/dialects.json', name: 'Compatibility dialects' }],
      'urls.primaryName': 'Parley API',
    } as Record<string, unknown>,
  });
}
