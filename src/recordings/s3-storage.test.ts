import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Fake, type S3Fake } from '../../test/fakes/s3/index.js';
import { createS3RecordingStorage } from './s3-storage.js';
import { RecordingKeptError, type RecordingStorage } from './storage.js';

let s3: S3Fake;
beforeAll(async () => {
  s3 = await startS3Fake();
});
afterAll(async () => {
  await s3?.close();
});

function storage(spoolDir: string, secretAccessKey = s3.secretAccessKey): RecordingStorage {
  return createS3RecordingStorage({
    bucket: s3.bucket, region: s3.region, endpoint: s3.url, forcePathStyle: true, prefix: 'recordings/',
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey }, spoolDir, uploadRetryDelaysMs: [20, 20],
  });
}

const bytesOf = async (stream: Readable | null) => {
  if (!stream) throw new Error('nothing stored under that key');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};
const spooled = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).filter((name) => /\.wav(\.partial)?$/.test(name)) : []);

describe('recordings in an S3-compatible store', () => {
  it('spools while writing, uploads on completion with the header in front, then serves, ranges and deletes from the bucket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-s3-'));
    const store = storage(dir);
    const upload = await store.begin('org_a/call_a.wav', 4);
    await upload.write(Buffer.from('audio-'));
    await upload.write(Buffer.from('more'));
    expect(s3.objects.has('recordings/org_a/call_a.wav')).toBe(false);
    const done = await upload.complete(Buffer.from('HEAD'));
    expect(done).toEqual({ key: 'org_a/call_a.wav', sizeBytes: 14 });
    expect(s3.objects.get('recordings/org_a/call_a.wav')).toEqual({ body: Buffer.from('HEADaudio-more'), contentType: 'audio/wav' });
    expect(spooled(dir)).toEqual([]);

    expect(await store.stat('org_a/call_a.wav')).toEqual({ key: 'org_a/call_a.wav', sizeBytes: 14 });
    expect((await bytesOf(await store.read('org_a/call_a.wav'))).toString()).toBe('HEADaudio-more');
    expect((await bytesOf(await store.read('org_a/call_a.wav', { start: 4, end: 8 }))).toString()).toBe('audio');
    expect(s3.requests.some((r) => r.method === 'GET' && r.range === 'bytes=4-8' && r.status === 206)).toBe(true);

    expect(await store.delete('org_a/call_a.wav')).toBe(true);
    expect(s3.objects.has('recordings/org_a/call_a.wav')).toBe(false);
    expect(await store.stat('org_a/call_a.wav')).toBeNull();
    expect(await store.read('org_a/call_a.wav')).toBeNull();
    expect(await store.delete('org_a/call_a.wav')).toBe(false);
  });

  it('tries a refused upload again, with a fresh stream, and succeeds when the store comes back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-s3-'));
    const store = storage(dir);
    s3.failNextPuts = 1;
    const upload = await store.begin('org_e/call_e.wav', 4);
    await upload.write(Buffer.from('late'));
    expect(await upload.complete(Buffer.from('HEAD'))).toEqual({ key: 'org_e/call_e.wav', sizeBytes: 8 });
    expect(s3.objects.get('recordings/org_e/call_e.wav')?.body.toString()).toBe('HEADlate');
    expect(s3.requests.filter((r) => r.key === 'recordings/org_e/call_e.wav' && r.method === 'PUT').map((r) => r.status)).toEqual([503, 200]);
  });

  it('keeps a recording the store refused throughout in the spool, and uploads it at recovery once the store is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-s3-'));
    const store = storage(dir);
    s3.down = true;
    try {
      const upload = await store.begin('org_b/call_b.wav', 4);
      await upload.write(Buffer.from('kept'));
      // Said as kept, not failed: the caller leaves it to the recovery rather than give it up.
      const error = await upload.complete(Buffer.from('HEAD')).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(RecordingKeptError);
      expect(((error as Error).cause as Error).message).toMatch(/reduce your request rate/);
    } finally {
      s3.down = false;
    }
    expect(s3.objects.has('recordings/org_b/call_b.wav')).toBe(false);
    expect(await store.unfinished()).toEqual(['org_b/call_b.wav']);
    // A finished spool file keeps its header: recovery uploads it as it is.
    expect(await store.recover('org_b/call_b.wav', () => Buffer.from('XXXX'))).toEqual({ key: 'org_b/call_b.wav', sizeBytes: 8 });
    expect(s3.objects.get('recordings/org_b/call_b.wav')?.body.toString()).toBe('HEADkept');
    expect(spooled(dir)).toEqual([]);
    expect(await store.unfinished()).toEqual([]);
  });

  it('repairs and uploads what a crash left half-written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-s3-'));
    mkdirSync(join(dir, 'org_c'), { recursive: true });
    writeFileSync(join(dir, 'org_c', 'call_c.wav.partial'), Buffer.concat([Buffer.alloc(4), Buffer.from('half')]));
    const store = storage(dir);
    expect(await store.unfinished()).toEqual(['org_c/call_c.wav']);
    expect(await store.recover('org_c/call_c.wav', (size) => Buffer.from(`H${size}__`.slice(0, 4)))).toEqual({ key: 'org_c/call_c.wav', sizeBytes: 8 });
    expect(s3.objects.get('recordings/org_c/call_c.wav')?.body.toString()).toBe('H8__half');
    expect(spooled(dir)).toEqual([]);
  });

  it('says every process reaches its recordings, and only those sharing the spool folder what is left there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-s3-'));
    const places = await storage(dir).places();
    expect(places.finished).toBeNull();
    expect(places.unfinished).toMatch(/^folder_[0-9a-f]{16}$/);
    expect((await storage(dir).places()).unfinished).toBe(places.unfinished);
  });

  it('is refused by the store with a wrong secret, which the error names without the secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-s3-'));
    const store = storage(dir, 'not-the-secret');
    const upload = await store.begin('org_d/call_d.wav', 0);
    await upload.write(Buffer.from('x'));
    const error = (await upload.complete(Buffer.alloc(0)).then(() => null, (e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(RecordingKeptError);
    const cause = error.cause as Error;
    expect(cause.name).toBe('SignatureDoesNotMatch');
    expect(cause.message).not.toContain('not-the-secret');
    expect(s3.objects.has('recordings/org_d/call_d.wav')).toBe(false);
  });
});
