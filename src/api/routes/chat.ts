/**
 * GET /v1/agents/{id}/chat (WebSocket): talk to an agent by text. Client -> server:
 * {"type":"message","text"}, {"type":"dtmf","digits"}, {"type":"start","variables"} (restart with
 * variables), {"type":"end"}. Server -> client: the ChatEvents as JSON, then `ended`; errors as
 * {"type":"error","code","message"}. Variables may also come as ?variables=<json>.
 */
import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { authenticate, bearerToken, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import { ChatSession, type ChatEvent } from '../../chat/chat-session.js';
import type { AgentSpec, ConversationEngine, Variables } from '../../brain/types.js';
import { AppError } from '../../shared/errors.js';
import { toHttpError } from '../error-handler.js';

const variablesSchema = z.record(z.string().min(1).max(64), z.union([z.string().max(5000), z.number(), z.boolean()]));
const clientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), text: z.string().min(1).max(10_000) }),
  z.object({ type: z.literal('dtmf'), digits: z.string().regex(/^[0-9*#]{1,20}$/) }),
  z.object({ type: z.literal('start'), variables: variablesSchema.default({}) }),
  z.object({ type: z.literal('end') }),
]);

/** Keys in a browser's WebSocket cannot set headers: `?api_key=` is accepted here. */
const keyFromRequest = (request: FastifyRequest) => bearerToken(request) ?? ((request.query as Record<string, string | undefined>).api_key || undefined);

export interface ChatDeps {
  readonly engine: ConversationEngine;
  readonly requiredVariables: (settings: Readonly<Record<string, unknown>>) => string[];
}

/** Drives one WebSocket against one agent; shared by the native route and the Voicing dialect. */
export async function serveChat(socket: WebSocket, deps: ChatDeps, services: ApiServices, orgId: string, agentId: string, initial: Variables): Promise<void> {
  const send = (message: unknown) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(message));
  const fail = (error: unknown) => {
    const { body } = error instanceof AppError ? { body: { error: { code: error.code, message: error.message, details: error.details } } } : { body: { error: { code: 'INTERNAL', message: 'Internal error' } } };
    send({ type: 'error', ...body.error });
  };
  // Messages are handled strictly in order, starting with loading the agent, so a client may
  // send as soon as the socket opens.
  let spec: AgentSpec | undefined;
  let session: ChatSession | undefined;
  let queue: Promise<void> = services.agents.get(orgId, agentId).then((row) => {
    spec = services.agents.spec(row);
  });
  const pump = async (events: AsyncIterable<ChatEvent>) => {
    for await (const event of events) send(event);
    if (session?.isEnded) socket.close(1000, 'conversation ended');
  };
  const start = (variables: Variables) => {
    session?.close();
    session = new ChatSession(deps.engine, spec!, variables, deps.requiredVariables(spec!.settings));
    return pump(session.open());
  };
  socket.on('message', (raw) => {
    queue = queue.then(async () => {
      const parsed = clientMessage.safeParse(safeJson(String(raw)));
      if (!parsed.success) return void send({ type: 'error', code: 'VALIDATION_FAILED', message: 'Send {"type":"message","text":"…"}, {"type":"dtmf","digits":"1"}, {"type":"start","variables":{}} or {"type":"end"}' });
      const message = parsed.data;
      try {
        if (message.type === 'start') return await start({ ...initial, ...message.variables });
        if (message.type === 'end') return void socket.close(1000, 'closed by client');
        if (!session) await start(initial);
        await pump(message.type === 'message' ? session!.say(message.text) : session!.press(message.digits));
      } catch (error) {
        fail(error);
      }
    });
  });
  socket.on('close', () => session?.close());
  queue = queue.then(() => start(initial));
  await queue;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function chatRoutes(app: FastifyInstance, services: ApiServices, deps: ChatDeps): void {
  app.get(
    '/v1/agents/:id/chat',
    { websocket: true, schema: { hide: true }, preHandler: authenticate(services.keys, 'agents:read', keyFromRequest) },
    (socket, request) => {
      const { id } = request.params as { id: string };
      const raw = (request.query as Record<string, string | undefined>).variables;
      let variables: Variables = {};
      if (raw) {
        const parsed = variablesSchema.safeParse(safeJson(raw));
        if (!parsed.success) {
          socket.send(JSON.stringify({ type: 'error', code: 'VALIDATION_FAILED', message: '"variables" must be a JSON object of strings, numbers and booleans' }));
          return socket.close(1008, 'invalid variables');
        }
        variables = parsed.data;
      }
      serveChat(socket, deps, services, principalOf(request).orgId, id, variables).catch((error: unknown) => {
        const { body } = toHttpError(error, request);
        socket.send(JSON.stringify({ type: 'error', ...body.error }));
        socket.close(1008, body.error.code);
      });
    },
  );
}
