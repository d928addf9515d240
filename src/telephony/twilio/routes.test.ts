/** The Twilio routes refuse what Twilio did not sign: callbacks with 403, stream upgrades before upgrading. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { signTwilio } from '../../../test/fakes/twilio/index.js';
import { startTwilioHarness, type TwilioHarness } from '../../../test/fakes/twilio/harness.js';

let harness: TwilioHarness;

beforeAll(async () => {
  harness = await startTwilioHarness({}, { streamStartTimeoutMs: 150 });
});
afterAll(async () => {
  await harness.close();
});

function postCallback(url: string, params: Record<string, string>, signature?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
    },
    body: new URLSearchParams(params).toString(),
  });
}

/** A call's stream URL, as Parley puts it in the call's TwiML and Twilio signs it. */
const streamUrl = (callId: string) => `${harness.publicUrl.replace('http', 'ws')}/twilio/media/${callId}`;

/** Opens a WebSocket to a call's media route; resolves with the socket or the HTTP status that refused it. */
function openStream(signature: string | undefined, callId = 'call_stream'): Promise<{ socket?: WebSocket; refusedWith?: number }> {
  const url = streamUrl(callId);
  const socket = new WebSocket(url, signature === undefined ? {} : { headers: { 'X-Twilio-Signature': signature } });
  return new Promise((resolve, reject) => {
    socket.on('open', () => resolve({ socket }));
    socket.on('unexpected-response', (_request, response) => {
      resolve({ refusedWith: response.statusCode! });
      socket.terminate();
    });
    socket.on('error', (error) => {
      if (socket.readyState !== WebSocket.CLOSED) reject(error);
    });
  });
}

function closed(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => socket.on('close', (code) => resolve(code)));
}

const params = { AccountSid: 'AC', CallSid: `CA${'a'.repeat(32)}`, CallStatus: 'ringing' };

describe('Twilio routes', () => {
  it('accepts a correctly signed status callback', async () => {
    const url = `${harness.publicUrl}/twilio/status?callId=call_signed`;
    const response = await postCallback(url, params, signTwilio(harness.fake.authToken, url, params));
    expect(response.status).toBe(204);
    expect(harness.typesOf('call_signed')).toEqual(['ringing']);
  });

  it('refuses an unsigned callback before reading its form, and a signed one over 16 KiB unread', async () => {
    const url = `${harness.publicUrl}/twilio/status?callId=call_big`;
    const big = { ...params, Padding: 'x'.repeat(64 * 1024) };
    expect((await postCallback(url, big)).status).toBe(403);
    expect((await postCallback(url, big, signTwilio(harness.fake.authToken, url, big))).status).toBe(413);
    expect(harness.typesOf('call_big')).toEqual([]);
  });

  it('refuses an unsigned transfer callback before reading its form, a signed one over 16 KiB unread, and a wrongly signed one', async () => {
    const url = `${harness.publicUrl}/twilio/transfer?callId=call_transfer`;
    const big = { ...params, DialCallStatus: 'completed', Padding: 'x'.repeat(64 * 1024) };
    expect((await postCallback(url, big)).status).toBe(403);
    expect((await postCallback(url, big, signTwilio(harness.fake.authToken, url, big))).status).toBe(413);
    const small = { ...params, DialCallStatus: 'completed' };
    expect((await postCallback(url, small, signTwilio('not-the-token', url, small))).status).toBe(403);
  });

  it('refuses an unsigned or wrongly signed status callback with 403 and reports nothing', async () => {
    const url = `${harness.publicUrl}/twilio/status?callId=call_forged`;
    expect((await postCallback(url, params)).status).toBe(403);
    expect((await postCallback(url, params, signTwilio('not-the-token', url, params))).status).toBe(403);
    // Signed for other parameters: a replay with a changed status.
    const signed = signTwilio(harness.fake.authToken, url, params);
    expect((await postCallback(url, { ...params, CallStatus: 'completed' }, signed)).status).toBe(403);
    // Signed for another call id.
    expect((await postCallback(`${harness.publicUrl}/twilio/status?callId=call_other`, params, signed)).status).toBe(403);
    expect(harness.typesOf('call_forged')).toEqual([]);
    expect(harness.typesOf('call_other')).toEqual([]);
  });

  it('answers 400 to a signed callback that names no call', async () => {
    const url = `${harness.publicUrl}/twilio/status`;
    expect((await postCallback(url, params, signTwilio(harness.fake.authToken, url, params))).status).toBe(400);
  });

  it('refuses an unsigned or wrongly signed stream upgrade before upgrading', async () => {
    expect(await openStream(undefined)).toEqual({ refusedWith: 403 });
    expect(await openStream('bm90IGEgc2lnbmF0dXJl')).toEqual({ refusedWith: 403 });
    // Signed over the https form of the URL: not what Twilio signs for a WebSocket.
    expect(await openStream(signTwilio(harness.fake.authToken, `${harness.publicUrl}/twilio/media/call_stream`))).toEqual({ refusedWith: 403 });
    // Signed for another call's stream: each call's URL, so its signature, is its own.
    expect(await openStream(signTwilio(harness.fake.authToken, streamUrl('call_other')), 'call_stream')).toEqual({ refusedWith: 403 });
  });

  it('closes a signed stream that never sends start', async () => {
    const { socket } = await openStream(signTwilio(harness.fake.authToken, streamUrl('call_stream')));
    expect(socket).toBeDefined();
    expect(await closed(socket!)).toBe(1000);
  });

  it('closes a signed stream whose start names a call of another Twilio call', async () => {
    const dial = { callId: 'call_hijack', orgId: 'org_test', to: '+14155550190', from: '+14155550199', ringTimeoutS: 30, timeLimitS: 60, detectVoicemail: false };
    harness.fake.script(dial.to, { outcome: 'answer', ringMs: 60_000 });
    await harness.carrier.dial(dial);
    const { socket } = await openStream(signTwilio(harness.fake.authToken, streamUrl(dial.callId)), dial.callId);
    const whenClosed = closed(socket!);
    const otherSid = `CA${'b'.repeat(32)}`;
    socket!.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    socket!.send(JSON.stringify({
      event: 'start', sequenceNumber: '1', streamSid: `MZ${'c'.repeat(32)}`,
      start: {
        streamSid: `MZ${'c'.repeat(32)}`, accountSid: harness.fake.accountSid, callSid: otherSid, tracks: ['inbound'],
        customParameters: { callId: dial.callId }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    }));
    expect(await whenClosed).toBe(1000);
    expect(harness.typesOf(dial.callId)).not.toContain('line');
  });

  /** Opens a signed stream and sends `start` for `callId` on Twilio call `callSid`; resolves once it is sent. */
  async function startStream(callId: string, callSid: string, urlCallId = callId): Promise<WebSocket> {
    const { socket } = await openStream(signTwilio(harness.fake.authToken, streamUrl(urlCallId)), urlCallId);
    const streamSid = `MZ${'d'.repeat(32)}`;
    socket!.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    socket!.send(JSON.stringify({
      event: 'start', sequenceNumber: '1', streamSid,
      start: {
        streamSid, accountSid: harness.fake.accountSid, callSid, tracks: ['inbound'],
        customParameters: { callId }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    }));
    return socket!;
  }

  it('hangs up a signed stream for a call this process never placed, rather than keeping it open', async () => {
    const socket = await startStream('call_never_placed', `CA${'e'.repeat(32)}`);
    expect(await closed(socket)).toBe(1000);
    expect(harness.typesOf('call_never_placed')).toEqual([]);
  });

  it("hangs up a stream whose start names another call than its URL's", async () => {
    const dial = { callId: 'call_url_named', orgId: 'org_test', to: '+14155550193', from: '+14155550199', ringTimeoutS: 30, timeLimitS: 60, detectVoicemail: false };
    harness.fake.script(dial.to, { outcome: 'answer', ringMs: 60_000 });
    const { providerCallId } = await harness.carrier.dial(dial);
    const socket = await startStream(dial.callId, providerCallId, 'call_someone_else');
    expect(await closed(socket)).toBe(1000);
    expect(harness.typesOf(dial.callId)).not.toContain('line');
  });

  it('hangs up a second stream for a call that already has its line (a replayed upgrade)', async () => {
    const dial = { callId: 'call_one_line', orgId: 'org_test', to: '+14155550191', from: '+14155550199', ringTimeoutS: 30, timeLimitS: 60, detectVoicemail: false };
    harness.fake.script(dial.to, { outcome: 'answer', ringMs: 60_000 });
    const { providerCallId } = await harness.carrier.dial(dial);
    const first = await startStream(dial.callId, providerCallId);
    const deadline = Date.now() + 5000;
    while (!harness.typesOf(dial.callId).includes('line') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(harness.typesOf(dial.callId)).toContain('line');
    const second = await startStream(dial.callId, providerCallId);
    expect(await closed(second)).toBe(1000);
    expect(harness.typesOf(dial.callId).filter((type) => type === 'line')).toHaveLength(1);
    first.close();
  });

  it('refuses a signed callback whose CallSid is not the Twilio call carrying that call id', async () => {
    const dial = { callId: 'call_sid_checked', orgId: 'org_test', to: '+14155550192', from: '+14155550199', ringTimeoutS: 30, timeLimitS: 60, detectVoicemail: false };
    harness.fake.script(dial.to, { outcome: 'answer', ringMs: 60_000 });
    await harness.carrier.dial(dial);
    const url = `${harness.publicUrl}/twilio/status?callId=${dial.callId}`;
    const foreign = { ...params, CallSid: `CA${'f'.repeat(32)}`, CallStatus: 'completed' };
    expect((await postCallback(url, foreign, signTwilio(harness.fake.authToken, url, foreign))).status).toBe(400);
    expect(harness.typesOf(dial.callId)).not.toContain('ended');
  });

  it('refuses a signed callback that is not a form with 415, before reading it, whatever its body', async () => {
    const url = `${harness.publicUrl}/twilio/status?callId=call_json`;
    for (const body of ['{"CallStatus":1}', 'null', '[1,2]', 'CallStatus=ringing']) {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': body.startsWith('C') ? 'text/plain' : 'application/json', 'x-twilio-signature': 'AAAA' }, body });
      expect(response.status, body).toBe(415);
      expect(await response.text()).toContain('application/x-www-form-urlencoded');
    }
    expect(harness.typesOf('call_json')).toEqual([]);
  });

  describe('when Twilio signs the stream upgrade wrongly', () => {
    let forged: TwilioHarness;
    beforeAll(async () => {
      forged = await startTwilioHarness({ streamSignatureOverride: 'Zm9yZ2Vk' });
    });
    afterAll(async () => {
      await forged.close();
    });

    it('never hands out a line, and the call ends when its stream cannot connect', async () => {
      const dial = { callId: 'call_forged_stream', orgId: 'org_test', to: '+14155550100', from: '+14155550199', ringTimeoutS: 30, timeLimitS: 60, detectVoicemail: false };
      const { providerCallId } = await forged.carrier.dial(dial);
      expect(await forged.waitForEvent(dial.callId, 'ended')).toEqual({ type: 'ended', outcome: 'completed' });
      expect(forged.typesOf(dial.callId)).not.toContain('line');
      expect(forged.fake.errors).toEqual([
        expect.objectContaining({ callSid: providerCallId, code: 31920, message: expect.stringContaining('HTTP 403') }),
      ]);
    });
  });

  describe('when the sink throws on a line', () => {
    let broken: TwilioHarness;
    beforeAll(async () => {
      broken = await startTwilioHarness({}, {}, {
        onEvent: (_callId, event) => {
          if (event.type === 'line') throw new Error('sink bug');
        },
      });
    });
    afterAll(async () => {
      await broken.close();
    });

    it('closes that stream (ending the call) and keeps serving', async () => {
      const dial = { callId: 'call_sink_bug', orgId: 'org_test', to: '+14155550100', from: '+14155550199', ringTimeoutS: 30, timeLimitS: 60, detectVoicemail: false };
      const { providerCallId } = await broken.carrier.dial(dial);
      expect(await broken.waitForEvent(dial.callId, 'ended')).toEqual({ type: 'ended', outcome: 'completed' });
      expect(broken.fake.call(providerCallId)!.status).toBe('completed');
    });
  });
});
