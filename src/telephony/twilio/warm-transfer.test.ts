/** TwilioWarmTransfers against the fake Twilio: a briefing the agent's voice cannot render in time. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTwilio } from '../../../test/fakes/twilio/index.js';
import { TwilioApiClient } from './api-client.js';
import { TwilioWarmTransfers } from './warm-transfer.js';

let fake: FakeTwilio;

beforeAll(async () => {
  // The target never answers within the test: only the leg's creation is looked at.
  fake = await FakeTwilio.start({ defaultScript: { outcome: 'no-answer' } });
});

afterAll(async () => {
  await fake.stop();
});

describe('TwilioWarmTransfers', () => {
  it('stops the voice when the briefing is late, and has Twilio say the words instead', async () => {
    const client = new TwilioApiClient({ accountSid: fake.accountSid, authToken: fake.authToken, apiBaseUrl: fake.baseUrl });
    const transfers = new TwilioWarmTransfers({
      client,
      legStatusUrl: (callId) => `http://127.0.0.1:9/twilio/leg?callId=${callId}`,
      gatherUrl: (callId) => `http://127.0.0.1:9/twilio/gather?callId=${callId}`,
      briefingUrl: (token) => `http://127.0.0.1:9/twilio/briefing/${token}`,
      report: () => undefined,
      renderTimeoutMs: 50,
    });
    let stopped = false;
    const speak = (_text: string, signal: AbortSignal) => new Promise<Uint8Array>((_resolve, reject) => {
      signal.addEventListener('abort', () => {
        stopped = true;
        reject(new Error('aborted'));
      }, { once: true });
    });
    const result = transfers.start({
      callId: 'call_1', providerCallId: `CA${'0'.repeat(32)}`, to: '+14155550142', callerId: '+14155550199', mode: 'warm', ringTimeoutS: 30,
      briefing: 'Dana wants to move her appointment to Friday.', speak,
    });
    await expect.poll(() => fake.requests.filter((r) => r.path.endsWith('/Calls.json')).length).toBe(1);
    expect(stopped).toBe(true);
    const twiml = fake.requests.at(-1)!.form['Twiml']![0]!;
    expect(twiml).toContain('<Say');
    expect(twiml).toContain('Dana wants to move her appointment to Friday. Press 1 to take the call.');
    expect(twiml).not.toContain('<Play');
    transfers.callEnded('call_1');
    await expect(result).resolves.toEqual({ outcome: 'canceled' });
  });
});
