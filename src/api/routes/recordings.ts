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
 * One `bytes=` range (the only kind players ask for): `start-end`, `start-` or `-suffix`, the
 * unit in any case. A header that is not one such range (another unit, several ranges, a last
 * byte before the first, not a range at all) is ignored and the file served whole, as RFC 9110
 * §14.2 lets a server do; 'invalid' is only a range no byte of the file can satisfy (`-0`).
 */
export function parseRange(header: string | undefined, sizeHint = Number.MAX_SAFE_INTEGER): ByteRange | undefined | 'invalid' {
  if (!header) return undefined;
  const match = /^bytes=\s*(\d*)-(\d*)$/i.exec(header.trim());
  if (!match) return undefined;
  const [, from, to] = match;
  if (from === '' && to === '') return undefined;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return 'invalid';
    return { start: Math.max(0, sizeHint - suffix), end: sizeHint - 1 };
  }
  if (to === '') return { start: Number(from), end: sizeHint - 1 };
  return Number(to) < Number(from) ? undefined : { start: Number(from), end: Number(to) };
}

/**
 * A finished recording's validators: a strong ETag from its size and when it was finished (a
 * recording never changes once ready; a repaired one is a new file), and that time.
 */
export function recordingValidators(recording: Record<string, unknown> | null): { etag: string; lastModified: string } | undefined {
  const size = recording?.['size_bytes'];
  const readyAt = recording?.['ready_at'];
  if (typeof size !== 'number' || typeof readyAt !== 'string') return undefined;
  const at = new Date(readyAt);
  if (Number.isNaN(at.getTime())) return undefined;
  return { etag: `"${size.toString(36)}-${at.getTime().toString(36)}"`, lastModified: at.toUTCString() };
}

/**
 * RFC 9110 §13.1.5: a Range is honoured only when `If-Range` (if sent) names the current
 * representation, by its strong ETag or its exact Last-Modified date; otherwise the whole file.
 */
export function ifRangeHolds(ifRange: string | undefined, validators: { etag: string; lastModified: string } | undefined): boolean {
  if (ifRange === undefined) return true;
  if (!validators) return false;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === validators.etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === Date.parse(validators.lastModified);
}

export function recordingRoutes(app: FastifyInstance, services: ApiServices): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { calls, keys, recordings } = services;

  api.get(
    '/v1/calls/:id/recording',
    {
      schema: {
        tags: ['calls'],
        summary: "The call's recording: WAV, 8 kHz, callee left and agent right; Range requests work",
        description:
          '`audio/wav`: 200 with the whole file, 206 with one range. A two-channel 16-bit WAV at 8 kHz (the callee on the left, the agent on the right). Sends `Accept-Ranges`, `ETag` and `Last-Modified`. ' +
          'One `Range: bytes=…` range (`start-end`, `start-`, `-suffix`) is answered 206; a header that is not one byte range is ignored and the file sent whole; ' +
          'a range past the end is 416 with `Content-Range: bytes */<size>`. `If-Range` (the ETag or the exact Last-Modified date) keeps the range only for that file. ' +
          '404 `RECORDING_NOT_FOUND` when the call has none (never recorded, deleted, failed); 409 `RECORDING_IN_PROGRESS` while the call is still being recorded.',
        params: idParams,
        headers: z.object({
          range: z.string().max(4096).optional().describe('One byte range: bytes=0-1023, bytes=1024- or bytes=-1024'),
          'if-range': z.string().max(4096).optional().describe("The recording's ETag or Last-Modified: the range only if it is still that file"),
        }).passthrough(),
      },
      onRequest: authenticate(keys, 'calls:read'),
    },
    async (request, reply) => {
      const call = await calls.get(principalOf(request).orgId, request.params.id);
      const size = Number((call.recording as { size_bytes?: number } | null)?.size_bytes ?? Number.MAX_SAFE_INTEGER);
      const validators = recordingValidators(call.recording);
      const ifRange = request.headers['if-range'];
      // Sent twice it names no one representation: the whole file, as for a mismatch.
      const range = ifRangeHolds(Array.isArray(ifRange) ? '' : ifRange, validators) ? parseRange(request.headers.range, size) : undefined;
      const opened = await recordings.open(call, range).catch((error: unknown) => {
        // A 416 says how long the recording is, so the client can ask again (RFC 9110 §15.5.17).
        if (error instanceof AppError && error.code === 'RANGE_NOT_SATISFIABLE') void reply.header('content-range', `bytes */${size}`);
        throw error;
      });
      void reply.header('accept-ranges', 'bytes').type('audio/wav');
      if (validators) void reply.header('etag', validators.etag).header('last-modified', validators.lastModified);
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
    {
      schema: {
        tags: ['calls'],
        summary: "Deletes the call's recording",
        description: "204 once the file is gone; the call keeps `recording.status: deleted`. 404 `RECORDING_NOT_FOUND` when there is none, 409 `RECORDING_IN_PROGRESS` while the call is still being recorded.",
        params: idParams,
      },
      onRequest: authenticate(keys, 'calls:write'),
    },
    async (request, reply) => {
      const call = await calls.get(principalOf(request).orgId, request.params.id);
      if (!(await recordings.delete(call))) throw new AppError('RECORDING_NOT_FOUND', undefined, { details: { call_id: call.id } });
      return reply.code(204).send();
    },
  );
}
