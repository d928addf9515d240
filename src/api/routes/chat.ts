/**
 * GET /v1/agents/{id}/chat (WebSocket): talk to an agent by text. Client -> server:
 * {"type":"message","text"}, {"type":"dtmf","digits"}, {"type":"start","variables"} (restart with
 * variables), {"type":"end"}. Server -> client: the ChatEvents as JSON, then `ended`; errors as
 * {"type":"error","code","message"}. Variables may also come as ?variables=<json>.
 */
import { z } from 'zod';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { authenticate, bearerToken, endOnRevocation, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import { ChatSession, type ChatEvent } from '../../chat/chat-session.js';
import type { AgentSpec, ConversationEngine, Variables } from '../../brain/types.js';
import { AppError, errorCodes } from '../../shared/errors.js';
import type { OrgSlots } from '../../shared/org-slots.js';
import { websocketKey } from './web-call.js';

const variablesSchema = z.record(z.string().min(1).max(64), z.union([z.string().max(5000), z.number(), z.boolean()]));
const clientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), text: z.string().min(1).max(10_000) }),
  z.object({ type: z.literal('dtmf'), digits: z.string().regex(/^[0-9*#]{1,20}$/) }),
  z.object({ type: z.literal('start'), variables: variablesSchema.default({}) }),
  z.object({ type: z.literal('end') }),
]);


export interface ChatDeps {
  readonly engine: ConversationEngine;
  readonly requiredVariables: (settings: Readonly<Record<string, unknown>>) => string[];
  /** Open chats per organisation on this process, over every chat route. */
  readonly slots: OrgSlots;
}

/**
 * Messages one chat may have waiting for the agent while it answers an earlier one: a person
 * types a few ahead; a client that floods is told, and its message is not taken.
 */
const maxWaitingMessages = 16;

/** A chat route's preHandler: an organisation at its cap is refused (429) before the upgrade. */
export function chatCapacity(deps: ChatDeps): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (deps.slots.full(principalOf(request).orgId)) throw new AppError('CHATS_LIMIT', undefined, { details: { limit: deps.slots.limit } });
  };
}

/**
 * Drives one WebSocket against one agent; shared by the native route and the Voicing dialect.
 * Never rejects: every failure (an unknown agent, a bad frame, an engine error, the client
 * leaving mid-turn) becomes an `error` message on the socket or a close, never a rejection
 * nobody awaits. A failure that is not an AppError is a bug and is logged as one.
 */
export async function serveChat(socket: WebSocket, deps: ChatDeps, services: ApiServices, orgId: string, agentId: string, initial: Variables, log: FastifyBaseLogger): Promise<void> {
  const send = (message: unknown) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const errorOf = (error: unknown): { code: string; message: string; details?: unknown } => {
    if (error instanceof AppError) return { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) };
    log.error({ err: error }, 'chat turn failed');
    return { code: 'INTERNAL', message: errorCodes.INTERNAL.message };
  };
  /** Ends the chat: an error the client can read, then a close carrying its code. */
  const refuse = (error: unknown) => {
    const body = errorOf(error);
    send({ type: 'error', ...body });
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(1008, body.code);
  };
  // Taken here as well as checked before the upgrade: chats opening together may pass the check.
  const release = deps.slots.take(orgId);
  if (!release) return refuse(new AppError('CHATS_LIMIT', undefined, { details: { limit: deps.slots.limit } }));
  let spec: AgentSpec | undefined;
  let session: ChatSession | undefined;
  let closed = false;
  let waiting = 0;
  // Messages are handled strictly in order, starting with loading the agent, so a client may
  // send as soon as the socket opens. Each step catches its own failure: the chain never rejects.
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (step: () => Promise<void>): void => {
    queue = queue.then(step).catch((error: unknown) => send({ type: 'error', ...errorOf(error) }));
  };
  const pump = async (events: AsyncIterable<ChatEvent>) => {
    for await (const event of events) {
      if (closed) break;
      send(event);
    }
    if (session?.isEnded && !closed) socket.close(1000, 'conversation ended');
  };
  const start = (variables: Variables) => {
    session?.close();
    session = undefined;
    session = new ChatSession(deps.engine, spec!, variables, deps.requiredVariables(spec!.settings));
    return pump(session.open());
  };
  socket.on('close', () => {
    closed = true;
    release();
    session?.close();
  });
  if (socket.readyState === socket.CLOSED) {
    closed = true;
    release();
  }
  socket.on('message', (raw, isBinary) => {
    if (waiting >= maxWaitingMessages) {
      return send({ type: 'error', code: 'CHAT_MESSAGES_WAITING', message: errorCodes.CHAT_MESSAGES_WAITING.message, details: { limit: maxWaitingMessages } });
    }
    waiting++;
    enqueue(async () => {
      waiting--;
      if (closed || !spec) return;
      const parsed = isBinary ? undefined : clientMessage.safeParse(safeJson(rawText(raw)));
      if (!parsed?.success) return send({ type: 'error', code: 'VALIDATION_FAILED', message: 'Send {"type":"message","text":"…"}, {"type":"dtmf","digits":"1"}, {"type":"start","variables":{}} or {"type":"end"} as a JSON text frame', details: { field: 'type' } });
      const message = parsed.data;
      if (message.type === 'start') return start({ ...initial, ...message.variables });
      if (message.type === 'end') return void socket.close(1000, 'closed by client');
      if (!session) await start(initial);
      if (closed || !session) return;
      await pump(message.type === 'message' ? session.say(message.text) : session.press(message.digits));
    });
  });
  enqueue(async () => {
    try {
      spec = services.agents.spec(await services.agents.get(orgId, agentId));
      if (!closed) await start(initial);
    } catch (error) {
      spec = undefined;
      refuse(error);
    }
  });
  await queue;
}

/** A text frame as a string; binary and fragmented frames arrive as Buffers or Buffer lists. */
function rawText(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  return Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.from(raw).toString('utf8');
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
    { websocket: true, schema: { hide: true }, onRequest: authenticate(services.keys, 'agents:read', websocketKey), preHandler: chatCapacity(deps) },
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
      // Closed the moment its key is revoked (4001: the key no longer authenticates).
      const unwatch = endOnRevocation(services.keys, request, () => socket.close(4001, 'API key revoked'));
      socket.on('close', unwatch);
      serveChat(socket, deps, services, principalOf(request).orgId, id, variables, request.log).catch((error: unknown) =>
        request.log.error({ err: error }, 'chat socket handling failed'),
      );
    },
  );
}
