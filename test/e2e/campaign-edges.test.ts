/**
 * Campaign edge cases: an idempotent HappyRobot replay counts no second attempt; a cancel racing
 * a call's end leaves no contact pending; a number in no known time zone is read in every zone,
 * not in UTC, and refused as `unknown_timezone` by a window that is never open everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';
import { createTempDatabase, postgresUrl } from '../support/postgres.js';
import { calls, campaignContacts } from '../../src/store/schema.js';

let t: TestParley;
beforeAll(async () => {
  t = await startTestParley();
});
afterAll(() => t?.close());

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function contactsOf(tenant: Tenant, campaignId: string): Promise<any[]> {
  return (await tenant.request('GET', `/v1/campaigns/${campaignId}/contacts`)).body.data;
}

describe('a HappyRobot replay with the same Idempotency-Key', () => {
  it('answers the call already placed and counts no second attempt on the contact', async () => {
    const tenant = await t.tenant();
    const agent = await tenant.agent();
    const campaign = (await tenant.request('POST', '/v1/campaigns', { name: 'Replays', agent_id: agent.id })).body;
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/contacts`, { contacts: [{ phone: '+14155550177' }] });
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/start`);
    const dial = () => fetch(`${t.url}/compat/happyrobot/api/v1/dial/outbound`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json', 'idempotency-key': 'replay-1' },
      body: JSON.stringify({ agent_id: agent.id, phone_number: '+14155550178', campaign_id: campaign.id }),
    }).then(async (response) => ({ status: response.status, body: await response.json() }));
    const first = await dial();
    expect(first.status).toBe(200);
    const replay = await dial();
    expect(replay).toMatchObject({ status: 200, body: { id: first.body.id } });
    await tenant.waitForEnd(first.body.id);
    const again = await dial();
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id } });
    const contact = (await contactsOf(tenant, campaign.id)).find((row) => row.phone === '+14155550178');
    expect(contact).toMatchObject({ status: 'done', result: 'completed', attempts: 1, calls: [expect.objectContaining({ call_id: first.body.id, attempt: 1 })] });
  });

  it('answers replays arriving at the same instant with the one call, counted once', async () => {
    const tenant = await t.tenant();
    const agent = await tenant.agent();
    const campaign = (await tenant.request('POST', '/v1/campaigns', { name: 'Simultaneous replays', agent_id: agent.id })).body;
    const dial = (phone: string) => fetch(`${t.url}/compat/happyrobot/api/v1/dial/outbound`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json', 'idempotency-key': `same-instant-${phone}` },
      body: JSON.stringify({ agent_id: agent.id, phone_number: phone, campaign_id: campaign.id }),
    }).then(async (response) => ({ status: response.status, body: await response.json() }));
    // A contact new to the campaign, and one already on its list.
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/contacts`, { contacts: [{ phone: '+14155550182' }] });
    for (const phone of ['+14155550181', '+14155550182']) {
      const answers = await Promise.all([dial(phone), dial(phone), dial(phone)]);
      expect(answers.map((a) => a.status), JSON.stringify(answers)).toEqual([200, 200, 200]);
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      await tenant.waitForEnd(answers[0]!.body.id);
      const contact = (await contactsOf(tenant, campaign.id)).find((row) => row.phone === phone);
      expect(contact).toMatchObject({ attempts: 1, calls: [expect.objectContaining({ call_id: answers[0]!.body.id, attempt: 1 })] });
    }
  });
});

describe.skipIf(!postgresUrl)('replays at the same instant on two processes', () => {
  it('answer with the one call, counted once, for a new contact and a listed one', async () => {
    const temp = await createTempDatabase();
    const a = await startTestParley({ databaseUrl: temp.url });
    const b = await startTestParley({ databaseUrl: temp.url });
    try {
      const tenant = await a.tenant();
      const agent = await tenant.agent();
      const campaign = (await tenant.request('POST', '/v1/campaigns', { name: 'Replays across processes', agent_id: agent.id })).body;
      await tenant.request('POST', `/v1/campaigns/${campaign.id}/contacts`, { contacts: [{ phone: '+14155550192' }] });
      const dial = (base: string, phone: string) => fetch(`${base}/compat/happyrobot/api/v1/dial/outbound`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json', 'idempotency-key': `two-processes-${phone}` },
        body: JSON.stringify({ agent_id: agent.id, phone_number: phone, campaign_id: campaign.id }),
      }).then(async (response) => ({ status: response.status, body: await response.json() }));
      for (const phone of ['+14155550191', '+14155550192']) {
        const answers = await Promise.all([dial(a.url, phone), dial(b.url, phone)]);
        expect(answers.map((answer) => answer.status), JSON.stringify(answers)).toEqual([200, 200]);
        expect(answers[1]!.body.id).toBe(answers[0]!.body.id);
        await tenant.waitForEnd(answers[0]!.body.id);
        const contact = (await contactsOf(tenant, campaign.id)).find((row) => row.phone === phone);
        expect(contact).toMatchObject({ attempts: 1, calls: [expect.objectContaining({ call_id: answers[0]!.body.id, attempt: 1 })] });
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
      await temp.drop();
    }
  });
});

describe('a cancel racing a call\'s end', () => {
  it('leaves no contact pending: the end waits for the cancel or the cancel for the end', async () => {
    const tenant = await t.tenant();
    // Rings for 60 s (1.5 s at the tests' sim speed): the call is live while the race is set up.
    const agent = await tenant.agent({ timers: { ring_timeout_s: 60 } });
    const retry = { no_answer: { max_attempts: 3, delay_s: 60 } };
    const campaign = (await tenant.request('POST', '/v1/campaigns', { name: 'Race', agent_id: agent.id, retry })).body;
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/contacts`, { contacts: [{ phone: '+14155550172' }] });
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/start`);
    const db = t.parley.database.db;
    const [live] = await until('the contact to be called', async () => {
      const rows = await db.select().from(calls).where(eq(calls.campaignId, campaign.id));
      return rows.length > 0 ? rows : undefined;
    });
    // The call's end is filed in a transaction held open while the campaign is canceled: its
    // retry (pending) must not outlive the cancel.
    let cancel: Promise<unknown> | undefined;
    await db.transaction(async (tx) => {
      await t.parley.services.calls.transitionIn(tx, live!.id, 'no_answer');
      cancel = tenant.request('POST', `/v1/campaigns/${campaign.id}/cancel`);
      // On PostgreSQL the cancel runs meanwhile on another connection (or waits for this one).
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
    await cancel;
    const [contact] = await db.select().from(campaignContacts).where(eq(campaignContacts.campaignId, campaign.id));
    expect(contact).toMatchObject({ status: 'canceled', result: 'canceled' });
    expect((await tenant.request('GET', `/v1/campaigns/${campaign.id}`)).body.status).toBe('canceled');
  });
});

describe('a number in no known time zone', () => {
  it('is refused by a window never open everywhere, and called when a timezone is given or the window is always open', async () => {
    const tenant = await t.tenant();
    const agent = await tenant.agent();
    const office = (await tenant.request('POST', '/v1/campaigns', { name: 'Office', agent_id: agent.id, schedule: { start: '08:00', end: '21:00' } })).body;
    // +800 (international freephone) belongs to no country and no zone.
    const added = await tenant.request('POST', `/v1/campaigns/${office.id}/contacts`, { contacts: [{ phone: '+80012345670' }, { phone: '+80012345680', timezone: 'UTC' }] });
    expect(added.body.imported).toBe(2);
    const imported = await contactsOf(tenant, office.id);
    expect(imported.find((row) => row.phone === '+80012345670')).toMatchObject({ status: 'skipped', result: 'unknown_timezone', calls: [] });
    // With a zone given it is an ordinary contact (in or out of its window).
    expect(imported.find((row) => row.phone === '+80012345680')?.result).not.toBe('unknown_timezone');

    // Monday to Sunday, all day: open in every zone, so the number is called.
    const always = (await tenant.request('POST', '/v1/campaigns', { name: 'Always', agent_id: agent.id, schedule: { start: '00:00', end: '24:00' } })).body;
    await tenant.request('POST', `/v1/campaigns/${always.id}/contacts`, { contacts: [{ phone: '+80012345690' }] });
    await tenant.request('POST', `/v1/campaigns/${always.id}/start`);
    await until('the campaign to complete', async () => ((await tenant.request('GET', `/v1/campaigns/${always.id}`)).body.status === 'completed' ? true : undefined));
    expect((await contactsOf(tenant, always.id))[0]).toMatchObject({ status: 'done', result: 'completed', attempts: 1 });
  });
});
