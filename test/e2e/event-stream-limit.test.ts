/**
 * GET /v1/events holds a socket and a feed subscriber per stream: an organisation may hold
 * PARLEY_MAX_EVENT_STREAMS of them on a process, and one more is refused with a 429 that names
 * the limit, without touching other organisations; a closed stream frees its place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type TestParley } from '../support/parley.js';

let server: TestParley;
beforeAll(async () => {
  server = await startTestParley({ env: { PARLEY_MAX_EVENT_STREAMS: '2' } });
});
afterAll(async () => {
  await server?.close();
});

/** Opens a stream; `close` aborts it. */
async function open(key: string) {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/v1/events`, { headers: { authorization: `Bearer ${key}` }, signal: controller.signal });
  return { response, close: () => controller.abort() };
}

describe('event streams per organisation', () => {
  it('refuses one stream over the limit with 429 EVENT_STREAMS_LIMIT, lets another organisation in, and frees a place when one closes', async () => {
    const tenant = await server.tenant();
    const other = await server.tenant();
    const first = await open(tenant.key);
    const second = await open(tenant.key);
    expect([first.response.status, second.response.status]).toEqual([200, 200]);

    const refused = await open(tenant.key);
    expect(refused.response.status).toBe(429);
    expect((await refused.response.json()).error).toMatchObject({ code: 'EVENT_STREAMS_LIMIT', details: { limit: 2 } });

    const elsewhere = await open(other.key);
    expect(elsewhere.response.status).toBe(200);

    first.close();
    // The server hears the close when the socket does.
    await expect.poll(async () => {
      const again = await open(tenant.key);
      again.close();
      return again.response.status;
    }, { timeout: 15_000, interval: 100 }).toBe(200);
    second.close();
    elsewhere.close();
  });
});
