/**
 * Recordings end to end on the simulated network's audio lane: the disclosure before the
 * greeting, a two-channel WAV whose left channel (callee) and right channel (agent) hold energy
 * when each spoke, the agent channel cut at a barge-in, Range requests, DELETE, the webhook
 * event, a recording a crash left half-written repaired at start-up, the disclosure heard in full
 * over a callee who talks, none kept of a line that carried no audio, and the event a call gets
 * on the text lane, which cannot be recorded.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goertzelPower } from '../../src/media/goertzel.js';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';

const folder = mkdtempSync(join(tmpdir(), 'parley-rec-e2e-'));
// What a crash leaves: a header of zeros and 1.5 s of stereo audio, never completed.
mkdirSync(join(folder, 'org_crashed'), { recursive: true });
writeFileSync(join(folder, 'org_crashed', 'call_crashed.wav.partial'), Buffer.concat([Buffer.alloc(44), Buffer.alloc(12_000 * 4 + 2, 7)]));

let t: TestParley;
let tenant: Tenant;
beforeAll(async () => {
  t = await startTestParley({ env: { PARLEY_SIM_AUDIO: '1', PARLEY_SIM_SPEED: '10', PARLEY_RECORDINGS_DIR: folder } });
  tenant = await t.tenant();
});
afterAll(() => t?.close());

/** RMS of one channel (0 left = callee, 1 right = agent) of a 16-bit stereo 8 kHz WAV between two times. */
function rms(wav: Buffer, channel: 0 | 1, fromMs: number, toMs: number): number {
  let sum = 0;
  let count = 0;
  for (let i = Math.max(0, Math.floor(fromMs * 8)); i < Math.floor(toMs * 8); i++) {
    const at = 44 + i * 4 + channel * 2;
    if (at + 2 > wav.length) break;
    const v = wav.readInt16LE(at);
    sum += v * v;
    count++;
  }
  return count ? Math.sqrt(sum / count) : 0;
}

async function recorded(callId: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const call = (await tenant.request('GET', `/v1/calls/${callId}`)).body;
    if (call.recording_url) return call;
    if (Date.now() > deadline) throw new Error(`no recording: ${JSON.stringify(call.recording)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function download(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${tenant.key}`, ...headers } });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

describe('recordings', () => {
  it('speaks the disclosure first and records callee left, agent right, when each spoke', async () => {
    const agent = await tenant.agent({ greeting: 'Hi {{name}}, this is Parley about your appointment.', recording: { enabled: true, disclosure: 'This call is recorded.' } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100', variables: { name: 'Ana' } });
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    expect(ended.status).toBe('completed');
    const turns = ended.transcript as { role: string; text: string; offset_ms: number }[];

    expect(turns.map((turn) => turn.text)).toEqual(['This call is recorded. Hi Ana, this is Parley about your appointment.', 'Yes, that works for me.', 'Thank you, goodbye!']);

    const call = await recorded(ended.id);
    expect(call.recording_url).toBe(`/v1/calls/${ended.id}/recording`);
    expect(call.recording).toMatchObject({ status: 'ready', size_bytes: expect.any(Number), duration_ms: expect.any(Number) });
    // Where the storage keeps it is Parley's business: not in the call, nor in its webhooks.
    for (const internal of ['key', 'folder', 'writer_folder']) expect(call.recording).not.toHaveProperty(internal);
    const { response, body: wav } = await download(call.recording_url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt16LE(22)).toBe(2);
    expect(wav.readUInt32LE(24)).toBe(8000);
    expect(wav.readUInt32LE(40)).toBe(wav.length - 44);

    // The callee's words: energy on the left, none on the right.
    const contact = turns[1]!;
    expect(rms(wav, 0, contact.offset_ms + 100, contact.offset_ms + 700)).toBeGreaterThan(500);
    expect(rms(wav, 1, contact.offset_ms + 100, contact.offset_ms + 700)).toBeLessThan(50);
    // The disclosure and greeting: energy on the right while the callee is quiet.
    const greeting = turns[0]!;
    expect(rms(wav, 1, greeting.offset_ms + 200, greeting.offset_ms + 1200)).toBeGreaterThan(500);
    expect(rms(wav, 0, greeting.offset_ms + 200, greeting.offset_ms + 1200)).toBeLessThan(50);

    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data;
    const ready = events.find((e: { type: string }) => e.type === 'call.recording_ready');
    // Where to fetch it and how long it is; not the storage's own key.
    expect(ready.data).toMatchObject({ status: 'ready', recording_url: `/v1/calls/${ended.id}/recording`, duration_ms: expect.any(Number) });
    expect(ready.data).not.toHaveProperty('key');
  });

  it('cuts the agent channel where a barge-in stopped the callee hearing it', async () => {
    const agent = await tenant.agent({
      greeting: 'Hello, this is Parley calling to confirm your dental appointment next Tuesday at three in the afternoon with doctor Smith.',
      recording: { enabled: true },
    });
    const number = '+14155550108';
    await tenant.request('POST', '/v1/sim/personas', { number, replies: ['Sorry, I need to move it.'], barge_in: { agent_turn: 1, after_ms: 1500 } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: number });
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    const [first, contact] = ended.transcript as { role: string; text: string; offset_ms: number; interrupted?: boolean }[];
    expect(first).toMatchObject({ role: 'agent', interrupted: true });
    const { body: wav } = await download((await recorded(ended.id)).recording_url);
    // The agent spoke until the callee cut in...
    expect(rms(wav, 1, first!.offset_ms + 200, first!.offset_ms + 1200)).toBeGreaterThan(500);
    // ...and nothing of the rest of its long greeting is on the record while the callee talks.
    expect(rms(wav, 1, contact!.offset_ms + 900, contact!.offset_ms + 1500)).toBeLessThan(50);
    expect(rms(wav, 0, contact!.offset_ms + 900, contact!.offset_ms + 1500)).toBeGreaterThan(500);
  });

  it('records the ringback the callee heard while a warm transfer rang, and the agent coming back after', async () => {
    const agent = await tenant.agent({
      kind: 'flow', greeting: null, recording: { enabled: true }, transfer_numbers: ['+14155550182'],
      flow: {
        start: 'move',
        nodes: {
          move: { type: 'transfer', to: '+14155550182', mode: 'warm', text: 'Let me put you through to billing.', reason: 'billing', on_failure: 'sorry' },
          sorry: { type: 'end', text: 'Nobody is free right now, we will call you back.', reason: 'callback_promised' },
        },
      },
    });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    expect(ended).toMatchObject({ status: 'completed', transfer: { outcome: 'no_answer' } });
    expect((ended.transcript as { text: string }[]).at(-1)!.text).toBe('Nobody is free right now, we will call you back.');
    const { body: wav } = await download((await recorded(ended.id)).recording_url);
    const lengthMs = (wav.length - 44) / 32;
    // 100 ms blocks of the agent channel that hold ringback: 440 and 480 Hz, and little else.
    const ringing = (fromMs: number, toMs: number) => {
      const blocks: number[] = [];
      for (let at = Math.max(0, fromMs); at + 100 <= toMs; at += 100) {
        const samples = Int16Array.from({ length: 800 }, (_, i) => wav.readInt16LE(44 + ((at * 8 + i) * 4) + 2));
        const [low, high, other] = [440, 480, 1000].map((hz) => goertzelPower(samples, hz, 8000)) as [number, number, number];
        if (low > 1e6 && high > 1e6 && other < low / 100) blocks.push(at);
      }
      return blocks;
    };
    // The target rang for 30 s of line time: at least the first cycle's 2 s of tone. It stopped when
    // the agent came back: the file ends with its last words (about 3.2 s), with no ringback among them.
    // (Measured on the recording alone: transcript offsets run on another clock, far apart at PARLEY_SIM_SPEED=10 on a loaded machine.)
    const blocks = ringing(0, lengthMs);
    expect(blocks.length, `ringback blocks ${blocks.join(',')} in ${lengthMs} ms`).toBeGreaterThanOrEqual(15);
    expect(blocks.at(-1)!, `ringback blocks ${blocks.join(',')} in ${lengthMs} ms`).toBeLessThan(lengthMs - 3000);
  });

  it('says the whole disclosure to a callee who talks over it', async () => {
    const disclosure = 'This call is recorded for quality purposes.';
    const agent = await tenant.agent({ greeting: 'Hello there, this is Parley calling about your appointment next week.', recording: { enabled: true, disclosure } });
    const number = '+14155550107';
    await tenant.request('POST', '/v1/sim/personas', { number, replies: ['Sorry, who is this?'], barge_in: { agent_turn: 1, after_ms: 800 } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: number });
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    const [first] = ended.transcript as { role: string; text: string }[];
    expect(first!.role).toBe('agent');
    expect(first!.text.startsWith(disclosure)).toBe(true);
  });

  it('keeps no recording of a machine hung up on at answer, and says the disclosure before a message left on one', async () => {
    const settings = { greeting: 'Hello {{name}}.', recording: { enabled: true, disclosure: 'This call is recorded.' } };
    const hangUp = await tenant.agent({ ...settings, voicemail: { detection: 'carrier', action: 'hang_up' } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: hangUp.id, to: '+14155550103', variables: { name: 'Zed' } });
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    expect(ended.status).toBe('voicemail');
    await expect.poll(async () => (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data.map((e: { type: string }) => e.type)).toContain('call.recording_unavailable');
    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: unknown }[];
    expect(events.find((e) => e.type === 'call.recording_unavailable')!.data).toEqual({ reason: 'no_audio' });
    expect(events.some((e) => e.type === 'call.recording_ready')).toBe(false);
    expect((await tenant.request('GET', `/v1/calls/${ended.id}`)).body).toMatchObject({ recording: null, recording_url: null });

    const message = await tenant.agent({ ...settings, voicemail: { detection: 'carrier', action: 'leave_message', message: 'Please call us back, {{name}}.' } });
    const left = await tenant.request('POST', '/v1/calls', { agent_id: message.id, to: '+14155550103', variables: { name: 'Zed' } });
    const done = await tenant.waitForEnd(left.body.id, 30_000);
    expect((done.transcript as { text: string }[]).map((turn) => turn.text)).toEqual(['This call is recorded. Please call us back, Zed.']);
    expect((await recorded(done.id)).recording).toMatchObject({ status: 'ready' });
  });

  it('answers 409 while the call is still being recorded, for a download as for a delete', async () => {
    const agent = await tenant.agent({ greeting: 'Hello, this call takes a little while to say all it has to say.', recording: { enabled: true } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550106' });
    const deadline = Date.now() + 15_000;
    let live = (await tenant.request('GET', `/v1/calls/${created.body.id}`)).body;
    while (live.recording?.status !== 'recording' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      live = (await tenant.request('GET', `/v1/calls/${created.body.id}`)).body;
    }
    expect(live.recording?.status).toBe('recording');
    const early = await download(`/v1/calls/${live.id}/recording`);
    expect(early.response.status).toBe(409);
    expect(JSON.parse(early.body.toString()).error).toMatchObject({ code: 'RECORDING_IN_PROGRESS' });
    await tenant.waitForEnd(live.id, 30_000);
  });

  it('serves byte ranges, and deletes', async () => {
    const agent = await tenant.agent({ greeting: 'Hello.', recording: { enabled: true } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550106' });
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    const call = await recorded(ended.id);
    const head = await download(call.recording_url, { range: 'bytes=0-43' });
    expect(head.response.status).toBe(206);
    expect(head.response.headers.get('content-range')).toBe(`bytes 0-43/${call.recording.size_bytes}`);
    expect(head.body.length).toBe(44);
    expect(head.body.toString('ascii', 8, 12)).toBe('WAVE');
    const tail = await download(call.recording_url, { range: 'bytes=-10' });
    expect(tail.response.status).toBe(206);
    expect(tail.body.length).toBe(10);
    const outside = await download(call.recording_url, { range: `bytes=${call.recording.size_bytes + 10}-` });
    expect(outside.response.status).toBe(416);
    expect(outside.response.headers.get('content-range')).toBe(`bytes */${call.recording.size_bytes}`);
    // A header that is not one byte range is ignored (RFC 9110 §14.2): the whole file, never a 416 that blames the range.
    for (const malformed of ['bytes=abc', 'bytes=5-1', 'bytes=', 'bytes=0-1,5-6', 'items=0-1']) {
      const whole = await download(call.recording_url, { range: malformed });
      expect(whole.response.status, malformed).toBe(200);
      expect(whole.body.length, malformed).toBe(call.recording.size_bytes);
    }
    const upper = await download(call.recording_url, { range: 'BYTES=0-43' });
    expect(upper.response.status).toBe(206);

    // If-Range: the range only for the representation the client has; the whole file otherwise.
    const etag = head.response.headers.get('etag');
    const lastModified = head.response.headers.get('last-modified');
    expect(etag).toMatch(/^"[0-9a-z]+-[0-9a-z]+"$/);
    expect(lastModified).toBe(new Date(call.recording.ready_at).toUTCString());
    const stale = await download(call.recording_url, { range: 'bytes=0-43', 'if-range': '"bogus"' });
    expect(stale.response.status).toBe(200);
    expect(stale.body.length).toBe(call.recording.size_bytes);
    const current = await download(call.recording_url, { range: 'bytes=0-43', 'if-range': etag! });
    expect(current.response.status).toBe(206);
    expect(current.body.length).toBe(44);
    const byDate = await download(call.recording_url, { range: 'bytes=0-43', 'if-range': lastModified! });
    expect(byDate.response.status).toBe(206);

    const removed = await fetch(`${t.url}${call.recording_url}`, { method: 'DELETE', headers: { authorization: `Bearer ${tenant.key}` } });
    expect(removed.status).toBe(204);
    const gone = await download(call.recording_url);
    expect(gone.response.status).toBe(404);
    expect(JSON.parse(gone.body.toString()).error.code).toBe('RECORDING_NOT_FOUND');
    const after = (await tenant.request('GET', `/v1/calls/${ended.id}`)).body;
    expect(after).toMatchObject({ recording_url: null, recording: { status: 'deleted' } });
  });

  it('answers 404, not a broken download, for a recording deleted from the folder behind Parley\'s back', async () => {
    const agent = await tenant.agent({ greeting: 'Hello.', recording: { enabled: true } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550106' });
    const call = await recorded((await tenant.waitForEnd(created.body.id, 30_000)).id);
    rmSync(join(folder, tenant.orgId, `${call.id}.wav`));
    const gone = await download(call.recording_url);
    expect(gone.response.status).toBe(404);
    expect(JSON.parse(gone.body.toString()).error.code).toBe('RECORDING_NOT_FOUND');
  });

  it('does not record calls that do not ask for it, and another organisation cannot read one', async () => {
    const agent = await tenant.agent({ greeting: 'Hello.' });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550106', recording: { enabled: false } });
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    expect(ended).toMatchObject({ recording: null, recording_url: null });
    expect((await download(`/v1/calls/${ended.id}/recording`)).response.status).toBe(404);
    const other = await t.tenant();
    const stranger = await fetch(`${t.url}/v1/calls/${ended.id}/recording`, { headers: { authorization: `Bearer ${other.key}` } });
    expect(stranger.status).toBe(404);
  });

  it('repaired the recording a crash left half-written, at start-up', () => {
    expect(existsSync(join(folder, 'org_crashed', 'call_crashed.wav.partial'))).toBe(false);
    const wav = readFileSync(join(folder, 'org_crashed', 'call_crashed.wav'));
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(40)).toBe(12_000 * 4); // whole sample frames only
  });
});

describe('recordings on a line without audio', () => {
  let text: TestParley;
  beforeAll(async () => {
    text = await startTestParley({ env: { PARLEY_SIM_SPEED: '10', PARLEY_RECORDINGS_DIR: folder } });
  });
  afterAll(() => text?.close());

  it('says the call could not be recorded, and says no disclosure', async () => {
    const owner = await text.tenant();
    const agent = await owner.agent({ greeting: 'Hello there.', recording: { enabled: true, disclosure: 'This call is recorded.' } });
    const created = await owner.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
    const ended = await owner.waitForEnd(created.body.id, 30_000);
    expect(ended).toMatchObject({ status: 'completed', recording: null, recording_url: null });
    expect(ended.transcript[0].text).toBe('Hello there.');
    const events = (await owner.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: unknown }[];
    const types = events.map((e) => e.type);
    expect(types.filter((type) => type === 'call.recording_unavailable')).toHaveLength(1);
    expect(types.indexOf('call.recording_unavailable')).toBeGreaterThan(types.indexOf('call.in_progress'));
    expect(events.find((e) => e.type === 'call.recording_unavailable')!.data).toMatchObject({ reason: 'text_lane' });
  });
});
