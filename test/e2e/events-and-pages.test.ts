import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type TestParley } from '../support/parley.js';
import { EventFeed } from '../../src/events/event-feed.js';
import { openEvents, readEvents as readSse, type SseMessage } from '../support/sse.js';

let server: TestParley;
beforeAll(async () => {
  server = await startTestParley();
});
afterAll(async () => {
  await server?.close();
});

/** Reads the server's event stream at `path`. */
const readEvents = (path: string, key: string, until: (messages: SseMessage[]) => boolean, headers: Record<string, string> = {}, timeoutMs = 20_000) =>
  readSse(`${server.url}${path}`, key, until, headers, timeoutMs);

describe('GET /v1/events', () => {
  it('streams a call\'s status changes to its organisation as they happen, and nothing of another organisation', async () => {
    const tenant = await server.tenant();
    const other = await server.tenant();
    const agent = await tenant.agent();
    const otherAgent = await other.agent();
    // Both organisations are new: resuming after 0 reads everything of theirs, so a stream that
    // subscribes late on a loaded machine still misses nothing (the sleep makes the events live).
    const otherStream = readEvents('/v1/events', other.key, () => false, { 'last-event-id': '0' }, 4_000);
    const stream = readEvents('/v1/events', tenant.key, (messages) => messages.some((m) => m.event === 'call.completed'), { 'last-event-id': '0' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const call = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
    expect(call.status).toBe(201);
    const otherCall = await other.request('POST', '/v1/calls', { agent_id: otherAgent.id, to: '+14155550101' });
    const messages = await stream;
    const statuses = messages.filter((m) => m.data.call_id === call.body.id).map((m) => m.event);
    expect(statuses).toEqual(expect.arrayContaining(['call.queued', 'call.dialing', 'call.ringing', 'call.in_progress', 'call.completed']));
    expect(statuses.indexOf('call.queued')).toBeLessThan(statuses.indexOf('call.completed'));
    expect(messages.every((m) => m.data.call_id === call.body.id)).toBe(true);
    expect(messages[0]!.data).toMatchObject({ type: messages[0]!.event, call_id: call.body.id });
    expect(Number(messages[0]!.id)).toBe(messages[0]!.data.id);
    const seenByOther = await otherStream;
    expect(seenByOther.some((m) => m.data.call_id === call.body.id)).toBe(false);
    expect(seenByOther.some((m) => m.data.call_id === otherCall.body.id)).toBe(true);
  });

  it('resumes after Last-Event-ID with the events written since, and narrows to one call', async () => {
    const tenant = await server.tenant();
    const agent = await tenant.agent();
    const call = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
    await tenant.waitForEnd(call.body.id);
    const events = await tenant.request('GET', `/v1/calls/${call.body.id}/events`);
    expect(events.status).toBe(200);
    const all = await readEvents(`/v1/events?call_id=${call.body.id}`, tenant.key, (messages) => messages.some((m) => m.event === 'call.completed'), { 'last-event-id': '0' });
    const firstId = Number(all[0]!.id);
    const resumed = await readEvents(`/v1/events?call_id=${call.body.id}`, tenant.key, (messages) => messages.some((m) => m.event === 'call.completed'), { 'last-event-id': String(firstId) });
    expect(resumed[0]!.data.id).toBeGreaterThan(firstId);
    // Events after call.completed (the analysis, the recording) may land between the two reads
    // and arrive in the same batch as call.completed: compare up to call.completed.
    const upToCompleted = (messages: SseMessage[]) => messages.slice(0, messages.findIndex((m) => m.event === 'call.completed') + 1).map((m) => m.id);
    expect(upToCompleted(resumed)).toEqual(upToCompleted(all).slice(1));
  });

  it('has subscribed by the time its headers arrive: a call placed then is streamed from call.queued, without Last-Event-ID', async () => {
    const tenant = await server.tenant();
    const agent = await tenant.agent();
    const stream = openEvents(`${server.url}/v1/events`, tenant.key, (messages) => messages.some((m) => m.event === 'call.completed'));
    await stream.opened;
    const call = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
    const messages = await stream.messages;
    expect(messages[0]).toMatchObject({ event: 'call.queued', data: { call_id: call.body.id } });
  });

  it('ends the stream the moment its key is revoked, and streams nothing after', async () => {
    const tenant = await server.tenant();
    const agent = await tenant.agent();
    const reader = (await tenant.request('POST', '/v1/api-keys', { name: 'reader', scopes: ['calls:read'] })).body;
    const started = Date.now();
    const stream = openEvents(`${server.url}/v1/events`, reader.key, () => false, {}, 15_000);
    await stream.opened;
    await tenant.request('DELETE', `/v1/api-keys/${reader.id}`);
    await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
    const messages = await stream.messages;
    // Ended by the server (not by the read's 15 s timeout), before the call's first event.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(messages).toEqual([]);
  });

  it('refuses a request without a key before streaming anything', async () => {
    const response = await fetch(`${server.url}/v1/events`);
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('UNAUTHENTICATED');
  });

  // PGlite has one connection: a transaction held open blocks every other statement.
  it.skipIf(!process.env.DATABASE_URL)('delivers an event whose transaction commits after a later one was read', async () => {
    const tenant = await server.tenant();
    const agent = await tenant.agent();
    const call = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
    await tenant.waitForAnalysis(call.body.id);
    const feed = new EventFeed(server.parley.database.db, { pollMs: 20 });
    const seen: string[] = [];
    const stop = await feed.subscribe({ orgId: tenant.orgId, callId: call.body.id, send: (event) => event.type.startsWith('test.') && seen.push(event.type) });
    const row = { id: call.body.id, orgId: tenant.orgId };
    // A transaction takes an id, a second commits a higher one, then the first commits.
    let releaseLate!: () => void;
    const late = server.parley.database.db.transaction(async (tx) => {
      await server.parley.services.calls.emitEventIn(tx as never, { ...row } as never, 'test.late', {});
      await new Promise<void>((resolve) => (releaseLate = resolve));
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.parley.services.calls.recordEvent(row, 'test.early', {});
    await new Promise((resolve) => setTimeout(resolve, 200));
    releaseLate();
    await late;
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop();
    await feed.stop();
    expect(seen.sort()).toEqual(['test.early', 'test.late']);
  });
});

describe('pages', () => {
  it('serves the API reference at /docs from local files, with the event stream and WebSocket protocols', async () => {
    const page = await fetch(`${server.url}/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/unpkg|jsdelivr|cdnjs|googleapis/);
    expect(html).toContain('./static/swagger-ui-bundle.js');
    const spec = await (await fetch(`${server.url}/openapi.json`)).json();
    expect(spec.info.description).toContain('/v1/agents/{id}/chat');
    expect(spec.info.description).toContain('/twilio/media');
    expect(spec.info.description).toContain('GET /v1/events');
    const events = spec.paths['/v1/events'].get;
    expect(Object.keys(events.responses['200'].content)).toEqual(['text/event-stream']);
    expect(events.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(['query:after', 'query:call_id', 'query:campaign_id', 'header:last-event-id']));
    expect(spec.info.description).toContain('bearer.<key>');
    expect(spec.info.description).not.toContain('?api_key=');
    expect(Object.keys(spec.paths).some((path) => path.startsWith('/compat/'))).toBe(false);
    const dialects = await (await fetch(`${server.url}/docs/dialects.json`)).json();
    expect(Object.keys(dialects.paths)).toEqual(expect.arrayContaining(['/compat/huskyvoice/v1/calls', '/compat/huskyvoice/v1/calls/{id}']));
    expect(dialects.paths['/compat/huskyvoice/v1/calls'].post.tags).toEqual(['huskyvoice']);
    const config = await (await fetch(`${server.url}/docs/static/swagger-initializer.js`)).text();
    expect(config).toContain('/docs/dialects.json');
  });

  it('answers app routes with the dashboard and unknown API paths with a JSON 404', async () => {
    const app = await fetch(`${server.url}/calls/call_123`, { headers: { accept: 'text/html' } });
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toContain('text/html');
    const api = await fetch(`${server.url}/v1/nothing-here`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect((await api.json()).error.code).toBe('NOT_FOUND');
  });
});
