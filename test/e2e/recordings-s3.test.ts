/**
 * Recordings kept in an S3-compatible bucket (PARLEY_RECORDINGS_S3_*), end to end on the
 * simulated network's audio lane against a SigV4-checking fake of S3: a recorded call's WAV is
 * spooled while the call runs, uploaded when it ends, served from the bucket (whole and by byte
 * range) and deleted there; a recording a failed upload left in the spool is uploaded at start-up.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Fake, type S3Fake } from '../fakes/s3/index.js';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';

const folder = mkdtempSync(join(tmpdir(), 'parley-s3-recordings-'));
const spool = join(folder, '.s3-spool');
// What an upload that failed throughout leaves: a finished WAV in the spool.
mkdirSync(join(spool, 'org_earlier'), { recursive: true });
writeFileSync(join(spool, 'org_earlier', 'call_earlier.wav'), Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(40), Buffer.alloc(800, 3)]));
// A recording kept in the folder before the bucket was set: not a failed upload, left alone.
mkdirSync(join(folder, 'org_local'), { recursive: true });
writeFileSync(join(folder, 'org_local', 'call_local.wav'), Buffer.alloc(844, 1));

let s3: S3Fake;
let t: TestParley;
let tenant: Tenant;
const bucketEnv = () => ({
  PARLEY_RECORDINGS_S3_BUCKET: s3.bucket, PARLEY_RECORDINGS_S3_REGION: s3.region, PARLEY_RECORDINGS_S3_ENDPOINT: s3.url,
  PARLEY_RECORDINGS_S3_PREFIX: 'parley/', AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
});
beforeAll(async () => {
  s3 = await startS3Fake();
  t = await startTestParley({ env: { PARLEY_SIM_AUDIO: '1', PARLEY_SIM_SPEED: '10', PARLEY_RECORDINGS_DIR: folder, ...bucketEnv() } });
  tenant = await t.tenant();
});
afterAll(async () => {
  await t?.close();
  await s3?.close();
});

/** A recorded call, once its recording is ready. */
async function recordedCall(): Promise<Record<string, any>> {
  const agent = await tenant.agent({ greeting: 'Hello, this is Parley.', recording: { enabled: true } });
  const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550106' });
  const ended = await tenant.waitForEnd(created.body.id, 30_000);
  let call = ended;
  for (const deadline = Date.now() + 15_000; !call.recording_url; call = (await tenant.request('GET', `/v1/calls/${ended.id}`)).body) {
    if (Date.now() > deadline) throw new Error(`no recording: ${JSON.stringify(call.recording)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return call;
}

const spooled = () => (existsSync(spool) ? readdirSync(spool, { recursive: true }).map(String).filter((name) => /\.wav(\.partial)?$/.test(name)) : []);

async function download(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${tenant.key}`, ...headers } });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

describe('recordings in an S3-compatible bucket', () => {
  it('uploaded at start-up what a failed upload had left in the spool, and left the folder\'s own recordings alone', () => {
    expect(s3.objects.get('parley/org_earlier/call_earlier.wav')?.body.length).toBe(844);
    expect(s3.objects.has('parley/org_local/call_local.wav')).toBe(false);
    expect(existsSync(join(folder, 'org_local', 'call_local.wav'))).toBe(true);
  });

  it('uploads a recorded call when it ends, serves it from the bucket whole and by range, and deletes it there', async () => {
    const call = await recordedCall();
    const key = `parley/${tenant.orgId}/${call.id}.wav`;
    const stored = s3.objects.get(key);
    expect(stored?.contentType).toBe('audio/wav');
    expect(stored!.body.length).toBe(call.recording.size_bytes);
    expect(stored!.body.toString('ascii', 8, 12)).toBe('WAVE');
    // Nothing of it is left on this machine's disk.
    expect(spooled()).toEqual([]);

    const whole = await download(call.recording_url);
    expect(whole.response.status).toBe(200);
    expect(whole.body.equals(stored!.body)).toBe(true);
    const part = await download(call.recording_url, { range: 'bytes=44-143' });
    expect(part.response.status).toBe(206);
    expect(part.response.headers.get('content-range')).toBe(`bytes 44-143/${stored!.body.length}`);
    expect(part.body.equals(stored!.body.subarray(44, 144))).toBe(true);
    expect(s3.requests.some((r) => r.key === key && r.method === 'GET' && r.range === 'bytes=44-143')).toBe(true);
    // Each download is one GET: the size comes from the call, not from asking the store first.
    expect(s3.requests.filter((r) => r.key === key && r.method !== 'PUT').map((r) => r.method)).toEqual(['GET', 'GET']);

    const removed = await fetch(`${t.url}${call.recording_url}`, { method: 'DELETE', headers: { authorization: `Bearer ${tenant.key}` } });
    expect(removed.status).toBe(204);
    expect(s3.objects.has(key)).toBe(false);
    expect((await download(call.recording_url)).response.status).toBe(404);
  });

  it('answers 404 for a recording deleted from the bucket behind Parley\'s back', async () => {
    const call = await recordedCall();
    s3.objects.delete(`parley/${tenant.orgId}/${call.id}.wav`);
    const gone = await download(call.recording_url);
    expect(gone.response.status).toBe(404);
    expect(JSON.parse(gone.body.toString()).error.code).toBe('RECORDING_NOT_FOUND');
  });

  // Two processes on one PostgreSQL: the bucket is what lets one serve what the other recorded.
  it.skipIf(!process.env.DATABASE_URL)('serves from an API-only process a recording the worker process recorded', async () => {
    const call = await recordedCall();
    const api = await startTestParley({
      databaseUrl: t.config.databaseUrl!, llm: 'none',
      env: { PARLEY_WORKER: 'off', PARLEY_RECORDINGS_DIR: mkdtempSync(join(tmpdir(), 'parley-s3-api-')), ...bucketEnv() },
    });
    try {
      const response = await fetch(`${api.url}${call.recording_url}`, { headers: { authorization: `Bearer ${tenant.key}` } });
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(s3.objects.get(`parley/${tenant.orgId}/${call.id}.wav`)!.body)).toBe(true);
    } finally {
      await api.close();
    }
  });
});
