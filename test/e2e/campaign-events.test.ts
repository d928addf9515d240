/**
 * Campaign events in GET /v1/events: stored with the change they report (org_events), streamed
 * live beside the campaign's call events, replayed after Last-Event-ID in id order with the call
 * events, narrowed by ?campaign_id=, and never shown to another organisation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';
import { readEvents, type SseMessage } from '../support/sse.js';
import { EventFeed } from '../../src/events/event-feed.js';
import { startWebhookReceiver } from '../fakes/webhook-receiver/receiver.js';

let server: TestParley;
beforeAll(async () => {
  server = await startTestParley({ env: { PARLEY_WEBHOOK_ALLOW_PRIVATE: '1' } });
});
afterAll(async () => {
  await server?.close();
});

const campaignTypes = (messages: SseMessage[]) => messages.filter((m) => m.event.startsWith('campaign.')).map((m) => m.event);

/** A draft campaign of two contacts: one answers, one is busy (and not retried). */
async function draftCampaign(tenant: Tenant): Promise<string> {
  const agent = await tenant.agent();
  const created = await tenant.request('POST', '/v1/campaigns', { name: 'Events', agent_id: agent.id, retry: { busy: { max_attempts: 1, delay_s: 60 } } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const added = await tenant.request('POST', `/v1/campaigns/${created.body.id}/contacts`, { contacts: [{ phone: '+14155550100' }, { phone: '+14155550101' }] });
  expect(added.body).toEqual({ imported: 2, errors: [] });
  return created.body.id;
}

describe('campaign events in GET /v1/events', () => {
  it('streams a campaign\'s moves and its calls\' events live, to its organisation only, and replays them after Last-Event-ID', async () => {
    const tenant = await server.tenant();
    const other = await server.tenant();
    const id = await draftCampaign(tenant);
    const url = `${server.url}/v1/events`;
    // Both organisations are new: resuming after 0 reads everything of theirs, so a stream that
    // subscribes late on a loaded machine still misses nothing (the sleep makes the events live).
    const otherStream = readEvents(url, other.key, () => false, { 'last-event-id': '0' }, 6_000);
    const live = readEvents(url, tenant.key, (messages) => messages.some((m) => m.event === 'campaign.completed'), { 'last-event-id': '0' }, 40_000);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect((await tenant.request('POST', `/v1/campaigns/${id}/start`)).status).toBe(200);
    expect((await tenant.request('POST', `/v1/campaigns/${id}/pause`)).status).toBe(200);
    expect((await tenant.request('POST', `/v1/campaigns/${id}/resume`)).status).toBe(200);
    const messages = await live;

    expect(campaignTypes(messages)).toEqual(['campaign.started', 'campaign.paused', 'campaign.resumed', 'campaign.completed']);
    const completed = messages.find((m) => m.event === 'campaign.completed')!;
    expect(completed.data).toMatchObject({ type: 'campaign.completed', campaign_id: id, data: { id, status: 'completed', progress: { total: 2, done: { completed: 1, busy: 1 } } } });
    expect(completed.data).not.toHaveProperty('call_id');
    // The campaign's calls arrive on the same stream, each event naming the campaign.
    const callEvents = messages.filter((m) => m.event.startsWith('call.'));
    expect(callEvents.map((m) => m.event)).toEqual(expect.arrayContaining(['call.queued', 'call.completed', 'call.busy']));
    expect(callEvents.every((m) => m.data.campaign_id === id && typeof m.data.call_id === 'string')).toBe(true);
    // Ids may arrive out of order (a transaction that took an id commits after a later one), never twice.
    const ids = messages.map((m) => Number(m.id));
    expect(new Set(ids).size).toBe(ids.length);

    const seenByOther = await otherStream;
    expect(seenByOther).toEqual([]);

    // Resuming after campaign.started replays what followed, call and campaign events in id order, none twice.
    const started = messages.find((m) => m.event === 'campaign.started')!;
    const resumed = await readEvents(url, tenant.key, (replayed) => replayed.some((m) => m.event === 'campaign.completed'), { 'last-event-id': started.id });
    // (Both reads stop at campaign.completed; events written after it, an analysis, may follow in the same chunk.)
    const upToCompleted = (list: SseMessage[]) => list.map((m) => Number(m.id)).filter((id) => id <= Number(completed.id));
    const replayedIds = upToCompleted(resumed);
    expect(replayedIds).toEqual([...replayedIds].sort((a, b) => a - b));
    expect(replayedIds).toEqual(upToCompleted(messages).filter((id) => id > Number(started.id)).sort((a, b) => a - b));
    expect(campaignTypes(resumed)).toEqual(['campaign.paused', 'campaign.resumed', 'campaign.completed']);

    // The other organisation resuming from the start sees none of it.
    const otherReplay = await readEvents(url, other.key, () => false, { 'last-event-id': '0' }, 1_500);
    expect(otherReplay.filter((m) => m.data.campaign_id === id || m.data.call_id)).toEqual([]);
  }, 60_000);

  it('narrows to one campaign with ?campaign_id=, its cancel included', async () => {
    const tenant = await server.tenant();
    const id = await draftCampaign(tenant);
    const otherId = await draftCampaign(tenant);
    expect((await tenant.request('POST', `/v1/campaigns/${otherId}/cancel`)).status).toBe(200);
    expect((await tenant.request('POST', `/v1/campaigns/${id}/cancel`)).status).toBe(200);
    const replay = await readEvents(`${server.url}/v1/events?campaign_id=${id}`, tenant.key, (messages) => messages.length > 0, { 'last-event-id': '0' });
    expect(replay.map((m) => [m.event, m.data.campaign_id])).toEqual([['campaign.canceled', id]]);
    expect(replay[0]!.data.data).toMatchObject({ id, status: 'canceled' });
  });

  it('hands stored campaign events to a feed of its own, as another process would read them', async () => {
    const tenant = await server.tenant();
    const id = await draftCampaign(tenant);
    // A second feed over the same database: it learns of the event only from the table.
    const feed = new EventFeed(server.parley.database.db, { pollMs: 20 });
    const seen: string[] = [];
    const stop = await feed.subscribe({ orgId: tenant.orgId, campaignId: id, send: (event) => seen.push(event.type) });
    expect((await tenant.request('POST', `/v1/campaigns/${id}/cancel`)).status).toBe(200);
    const deadline = Date.now() + 5_000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    stop();
    await feed.stop();
    expect(seen).toEqual(['campaign.canceled']);
  });

  it('refuses a Last-Event-ID that is not an event id, naming the header', async () => {
    const tenant = await server.tenant();
    const response = await tenant.request('GET', '/v1/events', undefined, { 'last-event-id': 'abc' });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body.error)).toContain('last-event-id');
  });
});

describe('campaign webhooks', () => {
  it('sends every move of a campaign as a signed webhook carrying the campaign, to endpoints that want it', async () => {
    const tenant = await server.tenant();
    const wanted = ['campaign.started', 'campaign.paused', 'campaign.resumed', 'campaign.canceled', 'campaign.completed'];
    const created = await tenant.request('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/placeholder', events: wanted });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const receiver = await startWebhookReceiver({ secret: created.body.secret });
    try {
      await tenant.request('PATCH', `/v1/webhook-endpoints/${created.body.id}`, { url: receiver.url });
      const finished = await draftCampaign(tenant);
      const canceled = await draftCampaign(tenant);
      for (const move of ['start', 'pause', 'resume']) expect((await tenant.request('POST', `/v1/campaigns/${finished}/${move}`)).status).toBe(200);
      expect((await tenant.request('POST', `/v1/campaigns/${canceled}/cancel`)).status).toBe(200);

      const deliveries = await receiver.waitForDeliveries(5, 40_000);
      // Only the campaign events the endpoint asked for (none of the calls'), each signed.
      expect(deliveries.every((d) => d.verified && d.type?.startsWith('campaign.'))).toBe(true);
      // Deliveries may overtake one another on the wire; each carries when its move happened.
      const of = (id: string) =>
        deliveries
          .filter((d) => (d.json as any).data.id === id)
          .sort((a, b) => Date.parse((a.json as any).timestamp) - Date.parse((b.json as any).timestamp))
          .map((d) => d.type);
      expect(of(finished)).toEqual(['campaign.started', 'campaign.paused', 'campaign.resumed', 'campaign.completed']);
      expect(of(canceled)).toEqual(['campaign.canceled']);
      const completed = deliveries.find((d) => d.type === 'campaign.completed')!.json as any;
      expect(completed.data).toMatchObject({ id: finished, status: 'completed', progress: { total: 2, done: { completed: 1, busy: 1 } } });
      expect((deliveries.find((d) => d.type === 'campaign.canceled')!.json as any).data).toMatchObject({ id: canceled, status: 'canceled' });
    } finally {
      await receiver.close();
    }
  }, 60_000);
});
