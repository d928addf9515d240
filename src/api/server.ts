/** The HTTP server: plugins, schema compilers, errors, routes, health, OpenAPI and metrics. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import type { Logger } from '../shared/logger.js';
import { clientErrorHandler, frameworkErrorHandler, maxParamLength, registerErrorHandling } from './error-handler.js';
import { registerInputGuard } from './input-guard.js';
import { registerJsonParser } from './json-body.js';
import type { ApiServices } from './services.js';
import { callRoutes } from './routes/calls.js';
import { recordingRoutes } from './routes/recordings.js';
import { agentRoutes } from './routes/agents.js';
import { adminRoutes } from './routes/admin.js';
import { contactRoutes } from './routes/contacts.js';
import { campaignRoutes } from './routes/campaigns.js';
import { doNotCallRoutes } from './routes/do-not-call.js';
import { dashboard } from './web/dashboard.js';
import { meRoutes } from './routes/me.js';
import { apiGuide, referenceRoutes } from './web/reference.js';

/** Request bodies above this are refused with 413 (the largest legitimate body is an agent with a flow). */
export const bodyLimitBytes = 512 * 1024;

export interface ApiOptions {
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Extra route plugins (carriers' callbacks, compat dialects, chat), registered after the native API. */
  readonly plugins?: readonly ((app: FastifyInstance) => void | Promise<void>)[];
}

export async function buildApi(services: ApiServices, options: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: bodyLimitBytes,
    trustProxy: true,
    return503OnClosing: true,
    routerOptions: { maxParamLength },
    // A malformed URL or an overlong path parameter answers in Parley's shape, not Fastify's.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const pages = dashboard();
  registerErrorHandling(app, { page: pages.page });
  // JSON only: a text or form body is refused with 415, not parsed (carriers' form callbacks
  // parse forms in their own routes' scope).
  app.removeContentTypeParser('text/plain');
  registerJsonParser(app);
  registerInputGuard(app);
  await app.register(websocket, {
    options: { maxPayload: 1024 * 1024 },
    // A client breaking the WebSocket protocol (a frame over 1 MiB, text that is not UTF-8, a bad
    // close code) is its fault, not the server's: a warning naming the fault, not an error with a stack.
    errorHandler: (error, socket, request) => {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('WS_ERR_')) request.log.warn({ code }, 'websocket client broke the protocol; connection closed');
      else request.log.error({ err: error }, 'websocket failed');
      socket.terminate();
    },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Parley API', version: '1.0.0', description: apiGuide() },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await referenceRoutes(app);

  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) =>
    services.ready() ? { status: 'ok' } : reply.status(503).send({ status: 'starting' }),
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('content-type', options.metrics.contentType).send(await options.metrics.metrics()),
  );

  callRoutes(app, services);
  agentRoutes(app, services);
  adminRoutes(app, services);
  contactRoutes(app, services);
  await campaignRoutes(app, services);
  await doNotCallRoutes(app, services);
  meRoutes(app, services);
  recordingRoutes(app, services);
  for (const plugin of options.plugins ?? []) await plugin(app);
  await pages.routes(app);
  return app;
}
