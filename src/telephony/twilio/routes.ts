/** Fastify routes Twilio calls: status callbacks (form posts) and the Media Streams WebSocket. */
import formbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
// Type-only: brings in the `websocket: true` route overloads; the plugin itself is registered at the root.
import type {} from '@fastify/websocket';
import type { TwilioCarrier } from './carrier.js';
import { publicWsUrl } from './options.js';
import type { TwilioSignedParams } from './signature.js';

/** A status or transfer callback is a form of about 30 short fields (~2 KiB); 16 KiB leaves room and no more. */
const signedFormBodyLimitBytes = 16 * 1024;

function signatureOf(request: FastifyRequest): string | undefined {
  const value = request.headers['x-twilio-signature'];
  return Array.isArray(value) ? value[0] : value;
}

/** The form's fields as strings (repeated ones as lists); anything else a parser could produce is dropped. */
function formParams(body: unknown): TwilioSignedParams {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string') params[key] = value;
    else if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string')) params[key] = value;
  }
  return params;
}

const isForm = (request: FastifyRequest) => /^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '');

/**
 * Mounts POST `statusCallbackPath` and GET `mediaStreamPath/<callId>` (WebSocket, one URL per call), with a form parser of
 * their own; needs @fastify/websocket registered at the root. URLs are rebuilt from `publicUrl`, because
 * Twilio signs the URL it was given, not whatever host a proxy forwards.
 */
export function twilioRoutes(carrier: TwilioCarrier): FastifyPluginAsync {
  const { publicUrl, statusCallbackPath, mediaStreamPath, transferActionPath } = carrier.options;
  const wsBase = publicWsUrl(carrier.options);

  return async (app) => {
    // Forms are parsed here only (this plugin's scope): Twilio posts them, nothing else of Parley's takes them.
    await app.register(formbody, { bodyLimit: signedFormBodyLimitBytes });
    // Twilio signs the URL and the form's fields, so the HMAC can only be checked once the form
    // is read; an unsigned request is refused before that, and the form is kept small.
    const signedForm = {
      bodyLimit: signedFormBodyLimitBytes,
      onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
        if (!signatureOf(request)) await reply.code(403).type('text/plain').send('Invalid X-Twilio-Signature');
        // Twilio posts forms; any other body is no callback of Twilio's, refused before it is read.
        else if (!isForm(request)) await reply.code(415).type('text/plain').send('Twilio callbacks are form posts: send application/x-www-form-urlencoded');
      },
    };

    app.post(
      statusCallbackPath,
      signedForm,
      async (request, reply) => {
        const result = carrier.handleStatusCallback({
          url: `${publicUrl}${request.url}`,
          params: formParams(request.body),
          signature: signatureOf(request),
        });
        if (result.ok) return reply.code(204).send();
        return reply
          .code(result.reason === 'bad_signature' ? 403 : 400)
          .type('text/plain')
          .send(result.reason === 'bad_signature' ? 'Invalid X-Twilio-Signature' : 'Not a Parley status callback');
      },
    );

    app.post(transferActionPath, signedForm, async (request, reply) => {
      const result = await carrier.handleTransferAction({
        url: `${publicUrl}${request.url}`,
        params: formParams(request.body),
        signature: signatureOf(request),
      });
      if (result.ok) return reply.code(200).type('text/xml').send(result.twiml);
      return reply
        .code(result.reason === 'bad_signature' ? 403 : 400)
        .type('text/plain')
        .send(result.reason === 'bad_signature' ? 'Invalid X-Twilio-Signature' : 'Not a Parley transfer callback');
    });

    // A warm transfer's briefing in the agent's voice, fetched by Twilio for the whisper's <Play>.
    // Twilio does not sign media fetches: the 48-hex token is the key, and it lives only as long
    // as its transfer.
    app.get(`${transferActionPath}/briefings/:file`, async (request, reply) => {
      const token = /^([0-9a-f]{48})\.wav$/.exec((request.params as { file: string }).file)?.[1];
      const audio = token ? carrier.briefingAudio(token) : undefined;
      if (!audio) return reply.code(404).type('text/plain').send('No such briefing');
      return reply.code(200).type('audio/wav').header('cache-control', 'no-store').send(audio);
    });

    app.get(
      `${mediaStreamPath}/:callId`,
      {
        websocket: true,
        // Refuse first, before the upgrade, so an unsigned client never gets a socket at all.
        onRequest: async (request, reply) => {
          if (!carrier.verifyMediaUpgrade({ url: `${wsBase}${request.url}`, signature: signatureOf(request) })) {
            await reply.code(403).type('text/plain').send('Invalid X-Twilio-Signature');
          }
        },
      },
      (socket, request) => {
        // Attaches to the socket synchronously, so Twilio's first messages are not lost.
        const { callId } = request.params as { callId: string };
        carrier.handleMediaConnection(socket, { url: `${wsBase}${request.url}`, signature: signatureOf(request), callId }).catch((error: unknown) => {
          // Only the sink can throw here; a broken call must not take the process down.
          request.log.error({ err: error }, 'twilio media stream handling failed');
          socket.close(1011, 'internal error');
        });
      },
    );
  };
}
