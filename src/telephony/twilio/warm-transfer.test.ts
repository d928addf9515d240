/** TwilioWarmTransfers against the fake Twilio: a briefing the agent's voice cannot render in time, and a callee who hangs up before the leg is placed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTwilio } from '../../../test/fakes/twilio/index.js';
import type { TransferRequest } from '../types.js';
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

/** A client whose leg creation waits for `release` before it reaches Twilio, when given one. */
class GatedClient extends TwilioApiClient {
  /** Leg creations asked for so far. */
  creating = 0;

  constructor(private readonly gate?: Promise<void>) {
    super({ accountSid: fake.accountSid, authToken: fake.authToken, apiBaseUrl: fake.baseUrl });
  }

  override async createCall(...args: Parameters<TwilioApiClient['createCall']>): ReturnType<TwilioApiClient['createCall']> {
    this.creating++;
    await this.gate;
    return super.createCall(...args);
  }
}

function transfersWith(client: TwilioApiClient, renderTimeoutMs = 50, acceptDeadlineMs?: number): TwilioWarmTransfers {
  return new TwilioWarmTransfers({
    ...(acceptDeadlineMs !== undefined ? { acceptDeadlineMs } : {}),
    client,
    legStatusUrl: (callId) => `http://127.0.0.1:9/twilio/leg?callId=${callId}`,
    gatherUrl: (callId) => `http://127.0.0.1:9/twilio/gather?callId=${callId}`,
    briefingUrl: (token) => `http://127.0.0.1:9/twilio/briefing/${token}`,
    report: () => undefined,
    renderTimeoutMs,
  });
}

const request = (callId: string, speak?: TransferRequest['speak']): TransferRequest => ({
  callId, providerCallId: `CA${'0'.repeat(32)}`, to: '+14155550142', callerId: '+14155550199', mode: 'warm', ringTimeoutS: 30,
  briefing: 'Dana wants to move her appointment to Friday.', ...(speak ? { speak } : {}),
});

/** A voice that never finishes, and says whether it was told to stop. */
function stuckVoice(): { speak: NonNullable<TransferRequest['speak']>; stopped: () => boolean } {
  let stopped = false;
  const speak = (_text: string, signal: AbortSignal) => new Promise<Uint8Array>((_resolve, reject) => {
    signal.addEventListener('abort', () => {
      stopped = true;
      reject(new Error('aborted'));
    }, { once: true });
  });
  return { speak, stopped: () => stopped };
}

const legsPlaced = () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Calls.json'));
const legsHungUp = () => fake.requests.filter((r) => r.method === 'POST' && /\/Calls\/CA\w+\.json$/.test(r.path) && r.form['Status']?.[0] === 'completed');

describe('TwilioWarmTransfers', () => {
  it('stops the voice when the briefing is late, and has Twilio say the words instead', async () => {
    const placedBefore = legsPlaced().length;
    const voice = stuckVoice();
    const transfers = transfersWith(new GatedClient());
    const result = transfers.start(request('call_late', voice.speak));
    await expect.poll(() => legsPlaced().length).toBe(placedBefore + 1);
    expect(voice.stopped()).toBe(true);
    const twiml = legsPlaced().at(-1)!.form['Twiml']![0]!;
    expect(twiml).toContain('<Say');
    expect(twiml).toContain('Dana wants to move her appointment to Friday. Press 1 to take the call.');
    expect(twiml).not.toContain('<Play');
    // The callee hangs up: whether the leg's creation had returned yet or not, the transfer is
    // canceled and the leg hung up.
    const hungUpBefore = legsHungUp().length;
    transfers.callEnded('call_late');
    await expect(result).resolves.toEqual({ outcome: 'canceled' });
    await expect.poll(() => legsHungUp().length).toBe(hungUpBefore + 1);
  });

  it('calls nobody when the callee hangs up while the briefing renders', async () => {
    const placedBefore = legsPlaced().length;
    const voice = stuckVoice();
    const transfers = transfersWith(new GatedClient(), 60_000);
    const result = transfers.start(request('call_gone', voice.speak));
    transfers.callEnded('call_gone');
    await expect(result).resolves.toEqual({ outcome: 'canceled' });
    expect(voice.stopped()).toBe(true);
    expect(legsPlaced().length).toBe(placedBefore);
  });

  it('gives up on a leg that never accepts nor reports (its status callbacks lost), hangs it up, and the agent comes back', async () => {
    // The status callback URL here reaches nobody: the leg's end is never reported to Parley.
    const transfers = transfersWith(new GatedClient(), 50, 300);
    const result = await transfers.start(request('call_deadline'));
    expect(result).toEqual({ outcome: 'failed' });
    const leg = fake.calls.filter((call) => call.request.to === '+14155550142').at(-1)!;
    await fake.waitFor(() => leg.ended || undefined, 5_000);
    expect(leg.status).toBe('canceled');
    // A late callback for it changes nothing.
    transfers.legStatus('call_deadline', { CallSid: leg.sid, CallStatus: 'busy' });
  });

  it('hangs up a leg whose creation was under way when the callee hung up', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const placedBefore = legsPlaced().length;
    const hungUpBefore = legsHungUp().length;
    const client = new GatedClient(gate);
    const transfers = transfersWith(client);
    const result = transfers.start(request('call_racing'));
    await expect.poll(() => client.creating).toBe(1);
    transfers.callEnded('call_racing');
    release();
    await expect(result).resolves.toEqual({ outcome: 'canceled' });
    expect(legsPlaced().length).toBe(placedBefore + 1);
    const leg = legsPlaced().at(-1)!;
    expect(leg.form['To']).toEqual(['+14155550142']);
    await expect.poll(() => legsHungUp().length).toBe(hungUpBefore + 1);
    // A second transfer on the same call may start once this one is settled.
    const again = transfers.start(request('call_racing'));
    transfers.callEnded('call_racing');
    await expect(again).resolves.toEqual({ outcome: 'canceled' });
  });
});
