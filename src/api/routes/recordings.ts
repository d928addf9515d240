/** /v1/calls/{id}/recording: the call's two-channel WAV (callee left, agent right), with Range; DELETE removes it. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authenticate, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import { AppError } from '../../shared/errors.js';
import type { ByteRange } from '../../recordings/storage.js';

const idParams = z.object({ id: z.string().min(1).max(100) });

/**
 * One `bytes=` range (the only kind players ask for): `start-end`, `start-` or `-suffix`.
 * Several ranges or another unit: served whole, as RFC 9110 allows.
 */
export function parseRange(header: string | undefined, sizeHint = Number.MAX_SAFE_INTEGER): ByteRange | undefined | 'invalid' {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return header.trim().startsWith('bytes=') && !header.includes(',') ? 'invalid' : undefined;
  const [, from, to] = match;
  if (from === '' && to === '') return 'invalid';
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return 'invalid';
    return { start: Math.max(0, sizeHint - suffix), end: sizeHint - 1 };
  }
  return { start: Number(from), end: to === '' ? sizeHint - 1 : Number(to) };
}

export function recordingRoutes(app: FastifyInstance, services: ApiServices): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { calls, keys, recordings } = services;

  api.get(
    '/v1/calls/:id/recording',
    {
      schema: { tags: ['calls'], summary: "The call's recording: WAV, 8 kHz, callee left and agent right; Range requests work", params: idParams },
      onRequest: authenticate(keys, 'calls:read'),
    },
    async (request, reply) => {
      const call = await calls.get(principalOf(request).orgId, request.params.id);
      const size = Number((call.recording as { size_bytes?: number } | null)?.size_bytes ?? Number.MAX_SAFE_INTEGER);
      const range = parseRange(request.headers.range, size);
      if (range === 'invalid') throw new AppError('RANGE_NOT_SATISFIABLE', undefined, { details: { range: request.headers.range } });
      const opened = await recordings.open(call, range);
      void reply.header('accept-ranges', 'bytes').type('audio/wav');
      if (opened.range) {
        void reply
          .code(206)
          .header('content-range', `bytes ${opened.range.start}-${opened.range.end}/${opened.sizeBytes}`)
          .header('content-length', String(opened.range.end - opened.range.start + 1));
      } else {
        void reply.header('content-length', String(opened.sizeBytes));
      }
      return reply.send(opened.stream);
    },
  );

  api.delete(
    '/v1/calls/:id/recording',
    { schema: { tags: ['calls'], summary: "Deletes the call's recording", params: idParams }, onRequest: authenticate(keys, 'calls:write') },
    async (request, reply) => {
      const call = await calls.get(principalOf(request).orgId, request.params.id);
      if (!(await recordings.delete(call))) throw new AppError('RECORDING_NOT_FOUND', undefined, { details: { call_id: call.id } });
      return reply.code(204).send();
    },
  );
}
