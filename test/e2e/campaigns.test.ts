/**
 * Campaigns end to end on the simulated network with a movable clock: a 1,000-contact list
 * over mixed numbers finishes with the right retries and attempt counts; calling windows hold
 * in three time zones; do-not-call numbers are never dialled; pause and resume; CSV imports
 * report bad rows by line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';
import type { SchedulerClock } from '../../src/dispatch/scheduler.js';

/** Real time plus an offset the test moves forward. */
function movableClock(start: Date) {
  let offsetMs = start.getTime() - Date.now();
  const clock: SchedulerClock = { now: () => new Date(Date.now() + offsetMs) };
  return { clock, advance: (ms: number) => (offsetMs += ms), set: (at: Date) => (offsetMs = at.getTime() - Date.now()) };
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

async function allContacts(tenant: Tenant, campaignId: string): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await tenant.request('GET', `/v1/campaigns/${campaignId}/contacts?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    out.push(...page.body.data);
    if (!page.body.has_more) return out;
    cursor = page.body.next_cursor;
  }
}

/** A valid San Francisco number ending in `last`. */
const sfNumber = (i: number, last: number) => `+1415${String(2000000 + i * 10 + last).padStart(7, '0')}`;

const time = movableClock(new Date());
let t: TestParley;
beforeAll(async () => {
  t = await startTestParley({ clock: time.clock });
});
afterAll(() => t?.close());

/** Moves the clock and tells the scheduler to look (a real deployment's timer would). */
function advance(ms: number): void {
  time.advance(ms);
  t.parley.scheduler.wake();
}

describe('a 1,000-contact campaign over mixed numbers', () => {
  it('finishes with the right retries and attempt counts per outcome', async () => {
    const tenant = await t.tenant({ maxConcurrentCalls: 200 });
    // A flow agent: answered calls complete without a model.
    const agent = await tenant.agent({ name: 'Flow', kind: 'flow', template: 'appointment_confirmation' });
    const retry = { busy: { max_attempts: 3, delay_s: 300 }, no_answer: { max_attempts: 2, delay_s: 600 }, voicemail: { max_attempts: 2, delay_s: 900 }, failed: { max_attempts: 2, delay_s: 60 } };
    const created = await tenant.request('POST', '/v1/campaigns', { name: 'Reminders', agent_id: agent.id, retry, variables: { appointment_date: 'Tuesday at 3 PM' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    // Last digit: 0 answers, 1 busy, 2 no answer, 3 voicemail; 250 of each.
    const contacts = Array.from({ length: 1000 }, (_, i) => ({ phone: sfNumber(i, [0, 1, 2, 3][i % 4]!), first_name: `P${i}`, variables: { customer_name: `Person ${i}` } }));
    const added = await tenant.request('POST', `/v1/campaigns/${id}/contacts`, { contacts });
    expect(added.body).toEqual({ imported: 1000, errors: [] });
    expect((await tenant.request('POST', `/v1/campaigns/${id}/start`)).status).toBe(200);

    // Every retry waits its delay on the campaign's clock: move it forward until the list is done.
    const done = await until('the campaign to complete', async () => {
      const campaign = await tenant.request('GET', `/v1/campaigns/${id}`);
      if (campaign.body.status === 'completed') return campaign.body;
      if (campaign.body.progress.live === 0 && campaign.body.progress.retries_waiting > 0) advance(300_000);
      return undefined;
    }, 240_000, 250);
    expect(done.progress).toMatchObject({ total: 1000, pending: 0, live: 0, retries_waiting: 0, done: { completed: 250, busy: 250, no_answer: 250, voicemail: 250 }, calls: 250 * (1 + 3 + 2 + 2) });

    const expected: Record<string, { result: string; attempts: number }> = {
      0: { result: 'completed', attempts: 1 },
      1: { result: 'busy', attempts: 3 },
      2: { result: 'no_answer', attempts: 2 },
      3: { result: 'voicemail', attempts: 2 },
    };
    const listed = await allContacts(tenant, id);
    expect(listed).toHaveLength(1000);
    for (const contact of listed) {
      const want = expected[contact.phone.at(-1)]!;
      expect(contact.status).toBe('done');
      expect(contact.result).toBe(want.result);
      expect(contact.attempts).toBe(want.attempts);
      // Each attempt is its own call, numbered 1..n, all ended the same way.
      expect(contact.calls.map((call: any) => call.attempt)).toEqual(Array.from({ length: want.attempts }, (_, i) => i + 1));
      expect(new Set(contact.calls.map((call: any) => call.status))).toEqual(new Set([want.result]));
    }
  }, 300_000);
});

describe('calling windows in the callee\'s local time', () => {
  it('calls Los Angeles and New York in office hours and holds Tokyo until its morning', async () => {
    // Monday 2026-12-07 17:30 UTC: 09:30 in Los Angeles, 12:30 in New York, 02:30 Tuesday in Tokyo.
    time.set(new Date('2026-12-07T17:30:00Z'));
    const tenant = await t.tenant({ maxConcurrentCalls: 20 });
    const agent = await tenant.agent();
    const created = await tenant.request('POST', '/v1/campaigns', { name: 'Office hours', agent_id: agent.id, schedule: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' } });
    const id = created.body.id;
    const la = ['+14155550110', '+14155550120'];
    const ny = ['+12125550110', '+12125550120'];
    const tokyo = ['+81312345670', '+81312345680'];
    // One contact's explicit zone wins over its number's: a New York number said to be in Tokyo.
    const contacts = [...la, ...ny, ...tokyo].map((phone) => ({ phone })).concat([{ phone: '+12125550130', timezone: 'Asia/Tokyo' } as never]);
    expect((await tenant.request('POST', `/v1/campaigns/${id}/contacts`, { contacts })).body.imported).toBe(7);
    await tenant.request('POST', `/v1/campaigns/${id}/start`);

    await until('LA and NY done', async () => {
      const listed = await allContacts(tenant, id);
      return listed.filter((contact) => contact.status === 'done').length === 4 ? listed : undefined;
    });
    const listed = await allContacts(tenant, id);
    for (const contact of listed) {
      if ([...la, ...ny].includes(contact.phone)) {
        expect(contact.result).toBe('completed');
      } else {
        // Tuesday 09:00 in Tokyo is Tuesday 00:00 UTC; nothing was dialled.
        expect(contact).toMatchObject({ status: 'pending', attempts: 0, calls: [], held_reason: 'campaign_schedule', next_attempt_at: '2026-12-08T00:00:00.000Z' });
      }
    }

    // Tokyo's morning: the held contacts go.
    time.set(new Date('2026-12-08T00:00:30Z'));
    t.parley.scheduler.wake();
    await until('the campaign to complete', async () => ((await tenant.request('GET', `/v1/campaigns/${id}`)).body.status === 'completed' ? true : undefined));
    for (const contact of await allContacts(tenant, id)) expect(contact).toMatchObject({ status: 'done', result: 'completed', attempts: 1 });
    time.set(new Date());
  }, 120_000);
});

describe('the organisation\'s default window on a real carrier', () => {
  it('holds a single call placed at night until 08:00 in the callee\'s zone, says so, then dials it', async () => {
    // 03:00 in Los Angeles.
    time.set(new Date('2026-12-08T11:00:00Z'));
    const tenant = await t.tenant({ callingWindow: true });
    const agent = await tenant.agent();
    // A call on a real carrier: stored through the API on the sim, then moved to Twilio (not
    // configured in this test server, so its dial fails, which shows when it was attempted).
    const template = (await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550198', scheduled_for: new Date(Date.now() + 3 * 24 * 3600_000).toISOString() })).body;
    await t.parley.database.sql.executeSql(`update calls set carrier = 'twilio', scheduled_for = null, due_at = $2 where id = $1`, [template.id, '2026-12-08T11:00:00Z']);
    t.parley.scheduler.wake();
    const held = await until('the hold', async () => {
      const call = (await tenant.request('GET', `/v1/calls/${template.id}`)).body;
      return call.held_reason ? call : undefined;
    });
    expect(held).toMatchObject({ status: 'queued', held_reason: 'calling_window', held_until: '2026-12-08T16:00:00.000Z' });
    const events = (await tenant.request('GET', `/v1/calls/${template.id}/events`)).body.data;
    expect(events).toContainEqual(expect.objectContaining({ type: 'call.held', data: { reason: 'calling_window', until: '2026-12-08T16:00:00.000Z' } }));
    time.set(new Date('2026-12-08T16:00:30Z'));
    t.parley.scheduler.wake();
    const ended = await tenant.waitForEnd(template.id);
    expect(ended).toMatchObject({ status: 'failed', end_reason: 'carrier_not_configured' });
    time.set(new Date());
  });

  it('can be turned off by the organisation', async () => {
    const tenant = await t.tenant({ callingWindow: true });
    expect((await tenant.request('GET', '/v1/settings')).body).toEqual({ default_calling_window: { enabled: true, start: '08:00', end: '21:00' }, daily_call_cap: 3 });
    const changed = await tenant.request('PATCH', '/v1/settings', { default_calling_window: { enabled: false }, daily_call_cap: 5 });
    expect(changed.body).toEqual({ default_calling_window: { enabled: false, start: '08:00', end: '21:00' }, daily_call_cap: 5 });
  });
});

describe('the daily cap per number', () => {
  it('holds a call over the cap until the oldest call to the number is a day old', async () => {
    const tenant = await t.tenant();
    await tenant.request('PATCH', '/v1/settings', { daily_call_cap: 2 });
    const agent = await tenant.agent();
    const first = (await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550180' })).body;
    await tenant.waitForEnd(first.id);
    const second = (await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550180' })).body;
    await tenant.waitForEnd(second.id);
    const third = (await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550180' })).body;
    const held = await until('the hold', async () => {
      const call = (await tenant.request('GET', `/v1/calls/${third.id}`)).body;
      return call.held_reason ? call : undefined;
    });
    const firstDialled = (await tenant.request('GET', `/v1/calls/${first.id}`)).body.dialed_at;
    expect(held).toMatchObject({ status: 'queued', held_reason: 'daily_cap', held_until: new Date(Date.parse(firstDialled) + 86_400_000).toISOString() });
    advance(86_400_000);
    expect((await tenant.waitForEnd(third.id)).status).toBe('completed');
    time.set(new Date());
  });
});

describe('do-not-call', () => {
  it('never dials a listed number: single calls are refused, campaign contacts skipped, a queued call fails undialled', async () => {
    const tenant = await t.tenant();
    const agent = await tenant.agent();
    const listed = ['+14155550140', '+14155550150'];
    const add = await tenant.request('POST', '/v1/do-not-call', { numbers: [...listed, 'nope'], reason: 'asked' });
    expect(add.body).toMatchObject({ added: 2, already_listed: 0, errors: [{ index: 2, field: 'numbers' }] });
    // A number given twice in one request is counted, not dropped unseen.
    expect((await tenant.request('POST', '/v1/do-not-call', { numbers: [listed[0], listed[0]] })).body).toMatchObject({ added: 0, already_listed: 2 });
    const csv = await fetch(`${t.url}/v1/do-not-call`, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'text/csv' }, body: 'number,reason\n+14155550160,complaint\n+14155550140,again\nbad,x\n' });
    expect(await csv.json()).toEqual({ added: 1, already_listed: 1, errors: [{ line: 4, field: 'number', message: 'not a valid E.164 phone number' }] });

    const refused = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: listed[0] });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('NUMBER_ON_DO_NOT_CALL');

    // Queued for later, then listed: it ends failed, never dialled.
    const later = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550170', scheduled_for: new Date(time.clock.now().getTime() + 1_500).toISOString() });
    await tenant.request('POST', '/v1/do-not-call', { numbers: ['+14155550170'] });
    const ended = await tenant.waitForEnd(later.body.id);
    expect(ended).toMatchObject({ status: 'failed', end_reason: 'do_not_call' });
    const events = (await tenant.request('GET', `/v1/calls/${later.body.id}/events`)).body.data.map((event: any) => event.type);
    expect(events).not.toContain('call.dialing');

    const campaign = (await tenant.request('POST', '/v1/campaigns', { name: 'DNC', agent_id: agent.id })).body;
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/contacts`, { contacts: [{ phone: listed[1] }, { phone: '+14155550160' }, { phone: '+14155550180' }] });
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/start`);
    const done = await until('completion', async () => {
      const got = await tenant.request('GET', `/v1/campaigns/${campaign.id}`);
      return got.body.status === 'completed' ? got.body : undefined;
    });
    expect(done.progress).toMatchObject({ done: { completed: 1 }, skipped: { do_not_call: 2 }, calls: 1 });
    const page = await tenant.request('GET', '/v1/do-not-call');
    expect(page.body.total).toBe(4);
    expect((await tenant.request('DELETE', `/v1/do-not-call/${encodeURIComponent(listed[0]!)}`)).status).toBe(204);
    expect((await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: listed[0] })).status).toBe(201);
  }, 60_000);
});

describe('pause and resume', () => {
  it('dials nothing while paused and finishes the list once resumed', async () => {
    const tenant = await t.tenant({ maxConcurrentCalls: 10 });
    const agent = await tenant.agent();
    const created = await tenant.request('POST', '/v1/campaigns', { name: 'Paced', agent_id: agent.id, max_concurrency: 1 });
    const id = created.body.id;
    await tenant.request('POST', `/v1/campaigns/${id}/contacts`, { contacts: Array.from({ length: 8 }, (_, i) => ({ phone: sfNumber(500 + i, 0) })) });
    await tenant.request('POST', `/v1/campaigns/${id}/start`);
    await until('two calls placed', async () => ((await tenant.request('GET', `/v1/campaigns/${id}`)).body.progress.calls >= 2 ? true : undefined));
    const paused = await tenant.request('POST', `/v1/campaigns/${id}/pause`);
    expect(paused.body.status).toBe('paused');
    expect((await tenant.request('POST', `/v1/campaigns/${id}/pause`)).body.error.code).toBe('CAMPAIGN_STATE_CONFLICT');
    await until('the live call to end', async () => ((await tenant.request('GET', `/v1/campaigns/${id}`)).body.progress.live === 0 ? true : undefined));
    const before = (await tenant.request('GET', `/v1/campaigns/${id}`)).body.progress.calls;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await tenant.request('GET', `/v1/campaigns/${id}`)).body.progress.calls).toBe(before);
    expect(before).toBeLessThan(8);

    expect((await tenant.request('POST', `/v1/campaigns/${id}/resume`)).body.status).toBe('running');
    const done = await until('completion', async () => {
      const got = await tenant.request('GET', `/v1/campaigns/${id}`);
      return got.body.status === 'completed' ? got.body : undefined;
    });
    expect(done.progress).toMatchObject({ done: { completed: 8 }, calls: 8 });
  }, 60_000);
});

describe('pace', () => {
  it('places at most calls_per_minute calls in any minute', async () => {
    time.set(new Date());
    const tenant = await t.tenant();
    const agent = await tenant.agent();
    const campaign = (await tenant.request('POST', '/v1/campaigns', { name: 'Slow', agent_id: agent.id, calls_per_minute: 3 })).body;
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/contacts`, { contacts: Array.from({ length: 6 }, (_, i) => ({ phone: sfNumber(800 + i, 0) })) });
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/start`);
    await until('three calls done', async () => ((await tenant.request('GET', `/v1/campaigns/${campaign.id}`)).body.progress.done.completed === 3 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await tenant.request('GET', `/v1/campaigns/${campaign.id}`)).body.progress.calls).toBe(3);
    advance(61_000);
    const done = await until('completion', async () => {
      const got = await tenant.request('GET', `/v1/campaigns/${campaign.id}`);
      return got.body.status === 'completed' ? got.body : undefined;
    });
    expect(done.progress).toMatchObject({ done: { completed: 6 }, calls: 6 });
    time.set(new Date());
  });
});

describe('fair sharing', () => {
  it('gives a single API call the next free slot while a campaign fills the organisation', async () => {
    const tenant = await t.tenant({ maxConcurrentCalls: 2 });
    const agent = await tenant.agent({ timers: { ring_timeout_s: 20 } });
    const campaign = (await tenant.request('POST', '/v1/campaigns', { name: 'Long list', agent_id: agent.id, retry: { no_answer: { max_attempts: 1, delay_s: 0 } } })).body;
    // Numbers ending in 2 ring unanswered for 20 s (0.5 s here): the campaign keeps both slots busy.
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/contacts`, { contacts: Array.from({ length: 40 }, (_, i) => ({ phone: sfNumber(700 + i, 2) })) });
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/start`);
    await until('the campaign to fill both slots', async () => ((await tenant.request('GET', `/v1/campaigns/${campaign.id}`)).body.progress.live === 2 ? true : undefined));
    const single = (await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550189' })).body;
    const dialled = await until('the single call to be dialled', async () => {
      const call = (await tenant.request('GET', `/v1/calls/${single.id}`)).body;
      return call.dialed_at ? call : undefined;
    }, 30_000, 50);
    // It took the next slot that freed: at most two campaign calls started after it was placed.
    const after = (await tenant.request('GET', `/v1/campaigns/${campaign.id}/contacts?limit=100`)).body.data
      .flatMap((contact: any) => contact.calls)
      .filter((call: any) => call.dialed_at && call.dialed_at > single.created_at && call.dialed_at < dialled.dialed_at);
    expect(after.length).toBeLessThanOrEqual(1);
    expect((await tenant.request('GET', `/v1/campaigns/${campaign.id}`)).body.status).toBe('running');
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/cancel`);
  });
});

describe('HappyRobot campaign_id', () => {
  it('files a dialect call under the Parley campaign it names, as the contact\'s attempt', async () => {
    const tenant = await t.tenant();
    const agent = await tenant.agent();
    const campaign = (await tenant.request('POST', '/v1/campaigns', { name: 'Spring follow-up', agent_id: agent.id })).body;
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/contacts`, { contacts: [{ phone: '+14155550187' }] });
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/start`);
    const dial = (to: string, ref: string) => fetch(`${t.url}/compat/happyrobot/api/v1/dial/outbound`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: agent.id, phone_number: to, campaign_id: ref }),
    }).then(async (response) => ({ status: response.status, body: await response.json() }));
    const filed = await dial('+14155550188', 'Spring follow-up');
    expect(filed.status).toBe(200);
    const call = await tenant.waitForEnd(filed.body.id);
    expect(call).toMatchObject({ status: 'completed', campaign_id: campaign.id, attempt: 1 });
    const contacts = (await tenant.request('GET', `/v1/campaigns/${campaign.id}/contacts`)).body.data;
    expect(contacts.find((contact: any) => contact.phone === '+14155550188')).toMatchObject({ status: 'done', result: 'completed', attempts: 1, calls: [expect.objectContaining({ call_id: filed.body.id, attempt: 1 })] });
    // An id that names no campaign is kept in the metadata, as before.
    const kept = await dial('+14155550186', 'no-such-campaign');
    expect((await tenant.request('GET', `/v1/calls/${kept.body.id}`)).body).toMatchObject({ campaign_id: null, metadata: { compat: { fields: { campaign_id: 'no-such-campaign' } } } });
  });
});

describe('contacts as CSV', () => {
  it('imports the good rows and reports the bad ones by line', async () => {
    const tenant = await t.tenant();
    const agent = await tenant.agent({ greeting: 'Hi {{customer_name}}' });
    const id = (await tenant.request('POST', '/v1/campaigns', { name: 'CSV', agent_id: agent.id })).body.id;
    const csv = ['phone,customer_name,plan', '+14155550190,Ana,gold', '+14155550190,Ana again,gold', 'not a number,Bob,silver', '+14155550191,,silver', '+14155550192,Cy,"bronze', ''].join('\n');
    const response = await fetch(`${t.url}/v1/campaigns/${id}/contacts`, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'text/csv' }, body: csv });
    const body = await response.json();
    expect(response.status).toBe(200);
    expect(body.imported).toBe(1);
    expect(body.errors.map((error: any) => [error.line, error.field])).toEqual([[3, 'phone'], [4, 'phone'], [5, 'variables'], [6, undefined]]);
    const [contact] = await allContacts(tenant, id);
    expect(contact.variables).toEqual({ customer_name: 'Ana', plan: 'gold' });
    const noPhone = await fetch(`${t.url}/v1/campaigns/${id}/contacts`, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'text/csv' }, body: 'name\nx\n' });
    expect((await noPhone.json()).error.code).toBe('CSV_INVALID');
    const unauthenticated = await fetch(`${t.url}/v1/campaigns/${id}/contacts`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(unauthenticated.status).toBe(401);
    // application/csv is a CSV too; text/plain is told what is taken.
    const aliased = await fetch(`${t.url}/v1/campaigns/${id}/contacts`, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/csv' }, body: 'phone,customer_name\n+14155550193,Di\n' });
    expect(await aliased.json()).toEqual({ imported: 1, errors: [] });
    const plain = await fetch(`${t.url}/v1/campaigns/${id}/contacts`, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'text/plain' }, body: 'phone\n+14155550194\n' });
    expect(plain.status).toBe(415);
    expect((await plain.json()).error.message).toBe('A text/plain body is not taken here: send application/json (contact and do-not-call imports also take text/csv)');
  });

  it('refuses a row with a field that cannot be a variable, rather than reporting it and importing it too', async () => {
    const tenant = await t.tenant();
    const agent = await tenant.agent({ greeting: 'Hi {{customer_name}}' });
    const id = (await tenant.request('POST', '/v1/campaigns', { name: 'Rows', agent_id: agent.id })).body.id;
    const answer = await tenant.request('POST', `/v1/campaigns/${id}/contacts`, { contacts: [{ phone: '+14155550177', customer_name: 'Ana', extra: { a: 1 } }, { phone: '+14155550178', customer_name: 'Bo' }] });
    expect(answer.body).toEqual({ imported: 1, errors: [{ index: 0, field: 'extra', message: 'must be a string, number or boolean' }] });
    expect((await allContacts(tenant, id)).map((contact: { phone: string }) => contact.phone)).toEqual(['+14155550178']);
  });
});

describe('opting out', () => {
  it('lists the number when the agent uses the opt_out tool, and the campaign contact ends do_not_call', async () => {
    t.llm!.respond((request) => {
      const body = request.body as { response_format?: unknown };
      if (body.response_format) return { text: [JSON.stringify({ summary: 'Asked not to be called.', outcome: {}, tags: [] })] };
      return {
        text: ['Of course, I have taken you off our list. Goodbye!'],
        toolCalls: [{ name: 'opt_out', argumentPieces: ['{"reason":"stop calling"}'] }, { name: 'end_call', argumentPieces: ['{"reason":"opted out"}'] }],
      };
    });
    const tenant = await t.tenant();
    const agent = await tenant.agent();
    const campaign = (await tenant.request('POST', '/v1/campaigns', { name: 'Opt-out', agent_id: agent.id })).body;
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/contacts`, { contacts: [{ phone: '+14155550196' }] });
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/start`);
    const done = await until('completion', async () => {
      const got = await tenant.request('GET', `/v1/campaigns/${campaign.id}`);
      return got.body.status === 'completed' ? got.body : undefined;
    });
    expect(done.progress.done).toEqual({ do_not_call: 1 });
    const listed = (await tenant.request('GET', '/v1/do-not-call')).body.data;
    expect(listed).toEqual([expect.objectContaining({ number: '+14155550196', source: 'opt_out' })]);
    expect((await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550196' })).body.error.code).toBe('NUMBER_ON_DO_NOT_CALL');
  });

  it('lists the number when a flow sets opt_out', async () => {
    const tenant = await t.tenant();
    const flow = {
      start: 'ask',
      nodes: {
        ask: { type: 'say', text: 'We will not call you again.', next: 'remember' },
        remember: { type: 'set', variable: 'opt_out', value: true, next: 'bye' },
        bye: { type: 'end', text: 'Goodbye.', reason: 'opted_out' },
      },
    };
    const agent = await tenant.agent({ kind: 'flow', flow });
    const call = (await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550179' })).body;
    const ended = await tenant.waitForEnd(call.id);
    const events = (await tenant.request('GET', `/v1/calls/${call.id}/events`)).body.data;
    expect(ended.status, JSON.stringify({ ended, events })).toBe('completed');
    const listed = (await tenant.request('GET', '/v1/do-not-call')).body.data;
    expect(listed).toEqual([expect.objectContaining({ number: '+14155550179', source: 'opt_out' })]);
  });

  it('lists the number when the call\'s outcome says opt_out: true', async () => {
    t.llm!.respond((request) => {
      const body = request.body as { response_format?: unknown };
      if (body.response_format) return { text: [JSON.stringify({ summary: 'Not interested, do not call.', outcome: { opt_out: true }, tags: [] })] };
      return { text: ['Goodbye!'], toolCalls: [{ name: 'end_call', argumentPieces: ['{"reason":"done"}'] }] };
    });
    const tenant = await t.tenant();
    const agent = await tenant.agent({ outcome: { schema: { type: 'object', properties: { opt_out: { type: 'boolean' } }, required: ['opt_out'] } } });
    const call = (await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550197' })).body;
    await tenant.waitForAnalysis(call.id);
    const listed = (await tenant.request('GET', '/v1/do-not-call')).body.data;
    expect(listed).toEqual([expect.objectContaining({ number: '+14155550197', source: 'outcome' })]);
  });
});
