/**
 * GET /v1/agents/{id}/web-call (WebSocket): talk to an agent by voice from a browser. The socket
 * is the call's line (carrier `web`): the call is created, claimed and dialled in this process,
 * so the line and the voice session meet here whichever process a load balancer picked. The
 * wire is in src/telephony/web/protocol.ts. Needs `calls:write`; a browser sends its key as the
 * subprotocol `bearer.<key>` (beside `parley`), anything else as `Authorization: Bearer`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { authenticate, bearerToken, endOnRevocation, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import { toHttpError } from '../error-handler.js';
import { AppError } from '../../shared/errors.js';
import { parseWebClientMessage } from '../../telephony/web/protocol.js';
import { WebAudioLine } from '../../telephony/web/web-line.js';
import type { WebCarrier } from '../../telephony/web/carrier.js';

/** The browser sends `start` at once; a socket that does not is closed. */
const startTimeoutMs = 10_000;

/** The key a browser offers as a WebSocket subprotocol `bearer.<key>`. */
export function subprotocolKey(request: FastifyRequest): string | undefined {
  const header = request.headers['sec-websocket-protocol'];
  const offered = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((value) => value.trim());
  const entry = offered.find((value) => value.startsWith('bearer.'));
  return entry ? entry.slice('bearer.'.length) || undefined : undefined;
}

export const websocketKey = (request: FastifyRequest) => bearerToken(request) ?? subprotocolKey(request);

export interface WebCallDeps {
  readonly carrier: WebCarrier;
  /** Claims and dials a queued call in this process (the call runtime). */
  readonly claim: (orgId: string, callId: string) => Promise<'claimed' | 'busy' | 'gone'>;
  readonly dial: (callId: string) => Promise<void>;
}

function sendError(socket: WebSocket, error: unknown, request: FastifyRequest): void {
  const { body } = toHttpError(error, request);
  if (socket.readyState !== socket.OPEN) return;
  socket.send(JSON.stringify({ type: 'error', ...body.error }));
  socket.close(1008, body.error.code.slice(0, 100));
}

export function webCallRoutes(app: FastifyInstance, services: ApiServices, deps: WebCallDeps): void {
  app.get(
    '/v1/agents/:id/web-call',
    { websocket: true, schema: { hide: true }, onRequest: authenticate(services.keys, 'calls:write', websocketKey) },
    (socket, request) => {
      const { id: agentId } = request.params as { id: string };
      const { orgId } = principalOf(request);
      let line: WebAudioLine | undefined;
      let callId: string | undefined;
      const timer = setTimeout(() => sendError(socket, new AppError('VALIDATION_FAILED', 'Send {"type":"start","variables":{}} first'), request), startTimeoutMs);
      socket.on('message', (data, isBinary) => {
        if (line) return line.receive(data, isBinary);
        if (callId !== undefined) return; // starting: audio before the call exists is not the agent's to hear
        const message = isBinary ? undefined : parseWebClientMessage(String(data));
        if (message?.type !== 'start') return sendError(socket, new AppError('VALIDATION_FAILED', 'Send {"type":"start","variables":{}} first'), request);
        clearTimeout(timer);
        callId = '';
        start(message.variables).catch((error: unknown) => {
          if (callId) deps.carrier.detach(callId);
          sendError(socket, error, request);
        });
      });
      // Hung up the moment its key is revoked.
      const unwatch = endOnRevocation(services.keys, request, () => socket.close(4001, 'API key revoked'));
      socket.on('close', () => {
        unwatch();
        clearTimeout(timer);
        if (line) line.finish('caller_hung_up');
        else if (callId) deps.carrier.detach(callId);
      });
      socket.on('error', () => line?.finish('socket_error'));

      const start = async (variables: Record<string, string | number | boolean>) => {
        const { call } = await services.calls.create(orgId, { agent_id: agentId, to: 'web', variables }, undefined, { carrier: 'web', to: 'web', from: 'web' });
        callId = call.id;
        const opened = new WebAudioLine(socket);
        deps.carrier.attach(call.id, opened);
        socket.send(JSON.stringify({ type: 'call', call_id: call.id }));
        const claim = await deps.claim(orgId, call.id);
        if (claim === 'busy') {
          await services.calls.transition(call.id, 'failed', { endReason: 'concurrency_limit' });
          throw new AppError('CALL_LIMIT_REACHED', undefined, { details: { call_id: call.id } });
        }
        if (claim === 'gone') {
          // Canceled (or its organisation removed) between creation and the claim.
          deps.carrier.detach(call.id);
          socket.close(1000, 'call ended');
          return;
        }
        if (socket.readyState !== socket.OPEN) {
          deps.carrier.detach(call.id);
          await services.calls.transition(call.id, 'canceled', { endReason: 'contact_hung_up' });
          return;
        }
        line = opened;
        await deps.dial(call.id);
      };
    },
  );
}
