import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToolbox, httpToolSettings, type HttpToolSettings, type Toolbox } from './index.js';

const signal = (): AbortSignal => new AbortController().signal;
const call = (name: string, args: unknown) => ({ id: `call_${name}`, name, arguments: typeof args === 'string' ? args : JSON.stringify(args) });

describe('built-in tools', () => {
  const toolbox = createToolbox({
    builtins: ['end_call', 'transfer_call', 'send_dtmf', 'leave_voicemail'],
    transferNumbers: ['+14155550100'],
    httpTools: [],
  });

  it('offers transfer_call only when the agent has numbers to transfer to', () => {
    expect(toolbox.specs.map((spec) => spec.name)).toEqual(['end_call', 'transfer_call', 'send_dtmf', 'leave_voicemail']);
    const none = createToolbox({ builtins: ['end_call', 'transfer_call'], transferNumbers: [], httpTools: [] });
    expect(none.specs.map((spec) => spec.name)).toEqual(['end_call']);
    expect(toolbox.specs[1]!.description).toContain('+14155550100');
  });

  it('turns end_call into an end_call action that ends the turn', async () => {
    expect(await toolbox.run(call('end_call', { reason: 'not_interested' }), signal())).toMatchObject({
      ok: true,
      action: { type: 'end_call', reason: 'not_interested' },
      endsTurn: true,
    });
    expect((await toolbox.run(call('end_call', {}), signal())).action).toEqual({ type: 'end_call', reason: 'agent_ended' });
  });

  it('transfers to an allowed number however it is written', async () => {
    const run = await toolbox.run(call('transfer_call', { to: '+1 (415) 555-0100', mode: 'warm', reason: 'billing' }), signal());
    expect(run).toMatchObject({ ok: true, endsTurn: true, action: { type: 'transfer_call', to: '+14155550100', mode: 'warm', reason: 'billing' } });
  });

  it('transfers to the first allowed number when the model names none', async () => {
    const run = await toolbox.run(call('transfer_call', { mode: 'cold', reason: 'asked for a person' }), signal());
    expect(run.action).toEqual({ type: 'transfer_call', to: '+14155550100', mode: 'cold', reason: 'asked for a person' });
  });

  it('refuses a number outside the allowed list and tells the model so', async () => {
    const run = await toolbox.run(call('transfer_call', { to: '+14155550199', mode: 'cold', reason: 'sales' }), signal());
    expect(run.ok).toBe(false);
    expect(run.action).toBeUndefined();
    expect(run.endsTurn).toBe(false);
    expect(JSON.stringify(run.result)).toContain('not allowed');
  });

  it('sends valid DTMF and refuses keys a phone does not have', async () => {
    expect(await toolbox.run(call('send_dtmf', { digits: '12w#' }), signal())).toMatchObject({
      ok: true,
      endsTurn: false,
      action: { type: 'send_dtmf', digits: '12w#' },
    });
    const bad = await toolbox.run(call('send_dtmf', { digits: '12x' }), signal());
    expect(bad).toMatchObject({ ok: false, arguments: { digits: '12x' } });
    expect(bad.action).toBeUndefined();
    expect(JSON.stringify(bad.result)).toContain('pattern');
  });

  it('refuses more than 64 keys as a tool error the model can read, so no sequence blocks the line for long', async () => {
    expect((await toolbox.run(call('send_dtmf', { digits: '1'.repeat(64) }), signal())).ok).toBe(true);
    for (const digits of ['1'.repeat(65), 'w'.repeat(5000), '1'.repeat(100_000)]) {
      const run = await toolbox.run(call('send_dtmf', { digits }), signal());
      expect(run).toMatchObject({ ok: false, endsTurn: false });
      expect(run.action).toBeUndefined();
      expect(JSON.stringify(run.result)).toContain('64');
    }
  });

  it('leaves a voicemail message and ends the turn; a blank one is refused', async () => {
    expect(await toolbox.run(call('leave_voicemail', { message: 'Hi, this is Anna. Call us back.' }), signal())).toMatchObject({
      ok: true,
      endsTurn: true,
      action: { type: 'leave_voicemail', message: 'Hi, this is Anna. Call us back.' },
    });
    expect((await toolbox.run(call('leave_voicemail', { message: '   ' }), signal())).ok).toBe(false);
  });

  it('answers an unknown tool or arguments that are not JSON with an error for the model', async () => {
    const unknown = await toolbox.run(call('launch_rocket', {}), signal());
    expect(unknown.ok).toBe(false);
    expect(JSON.stringify(unknown.result)).toContain('end_call');
    const garbled = await toolbox.run(call('end_call', '{"reason": '), signal());
    expect(garbled).toMatchObject({ ok: false, arguments: '{"reason": ' });
    expect(JSON.stringify(garbled.result)).toContain('not valid JSON');
  });
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('HTTP tools', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const path = req.url!.split('?')[0];
        if (path === '/orders') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: 'shipped', eta_days: 2 }));
        } else if (path === '/fail') {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"error":"database down"}');
        } else if (path === '/slow') {
          // Never answers: the tool's timeout has to end it.
        } else if (path === '/big') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('x'.repeat(100 * 1024));
        } else {
          res.writeHead(404);
          res.end('not found');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const tool = (overrides: Partial<Record<string, unknown>>): HttpToolSettings =>
    httpToolSettings.parse({
      name: 'lookup_order',
      description: 'Looks up an order.',
      parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
      url: `${base}/orders`,
      ...overrides,
    });
  const box = (settings: HttpToolSettings, extra: Partial<Parameters<typeof createToolbox>[0]> = {}): Toolbox =>
    createToolbox({ builtins: [], transferNumbers: [], httpTools: [settings], variables: { crm_id: 'c/42' }, ...extra });

  it('posts the arguments as JSON with the configured headers and returns the parsed answer', async () => {
    const settings = tool({ headers: { Authorization: 'Bearer secret-token', 'X-Crm': '{{crm_id}}' } });
    const run = await box(settings).run(call('lookup_order', { order_id: 'A-17' }), signal());
    expect(run).toEqual({
      arguments: { order_id: 'A-17' },
      ok: true,
      endsTurn: false,
      result: { status: 200, body: { status: 'shipped', eta_days: 2 } },
    });
    const request = seen.at(-1)!;
    expect(request.method).toBe('POST');
    expect(JSON.parse(request.body)).toEqual({ order_id: 'A-17' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['authorization']).toBe('Bearer secret-token');
    expect(request.headers['x-crm']).toBe('c/42');
  });

  it('sends GET arguments as the query, with URL placeholders encoded', async () => {
    const settings = tool({ method: 'GET', url: `${base}/orders?customer={{crm_id}}` });
    await box(settings).run(call('lookup_order', { order_id: 'A 17' }), signal());
    const request = seen.at(-1)!;
    expect(request.method).toBe('GET');
    expect(request.body).toBe('');
    expect(new URL(request.url, base).searchParams.get('customer')).toBe('c/42');
    expect(new URL(request.url, base).searchParams.get('order_id')).toBe('A 17');
  });

  it('reports a non-2xx answer to the model without throwing', async () => {
    const run = await box(tool({ url: `${base}/fail` })).run(call('lookup_order', { order_id: '1' }), signal());
    expect(run).toMatchObject({ ok: false, endsTurn: false, result: { error: 'The service answered HTTP 500.', status: 500, body: { error: 'database down' } } });
  });

  it('gives up after timeout_ms and says so', async () => {
    const started = Date.now();
    const run = await box(tool({ url: `${base}/slow`, timeout_ms: 80 })).run(call('lookup_order', { order_id: '1' }), signal());
    expect(run).toMatchObject({ ok: false, result: { error: 'The service did not answer within 80 ms.' } });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('checks the arguments against the schema before calling anything', async () => {
    const before = seen.length;
    const run = await box(tool({})).run(call('lookup_order', { order: 'A-17' }), signal());
    expect(run.ok).toBe(false);
    expect(JSON.stringify(run.result)).toContain("must have required property 'order_id'");
    expect(seen.length).toBe(before);
  });

  it('reports a connection failure as a result', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const run = await box(tool({ url: `http://127.0.0.1:${port}/orders` })).run(call('lookup_order', { order_id: '1' }), signal());
    expect(run).toMatchObject({ ok: false, result: { error: 'Could not reach the service.' } });
  });

  it('caps the response fed back to the model', async () => {
    const run = await box(tool({ url: `${base}/big` })).run(call('lookup_order', { order_id: '1' }), signal());
    expect(run.ok).toBe(true);
    expect(run.result).toMatchObject({ status: 200, truncated: true });
    expect((run.result as { body: string }).body.length).toBe(16 * 1024);
  });

  it('lets a URL policy refuse a target before any request', async () => {
    const before = seen.length;
    const run = await box(tool({}), { checkUrl: async () => 'internal addresses are blocked' }).run(call('lookup_order', { order_id: '1' }), signal());
    expect(run).toMatchObject({ ok: false, result: { error: 'The tool may not be called: internal addresses are blocked' } });
    expect(seen.length).toBe(before);
  });

  it('rejects with the abort when the conversation is aborted mid-call', async () => {
    const controller = new AbortController();
    const pending = box(tool({ url: `${base}/slow` })).run(call('lookup_order', { order_id: '1' }), controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('HTTP tool settings', () => {
  const base = { name: 'crm', description: 'CRM lookup.', url: 'https://crm.example.com/api' };

  it('fills POST, a 5 s timeout, no headers and an empty object schema', () => {
    expect(httpToolSettings.parse(base)).toEqual({
      ...base,
      type: 'http',
      method: 'POST',
      headers: {},
      timeout_ms: 5000,
      parameters: { type: 'object', properties: {} },
    });
  });

  it.each([
    ['a name with spaces', { name: 'look up' }],
    ['a name over 64 characters', { name: 'x'.repeat(65) }],
    ['a timeout over 30 s', { timeout_ms: 30_001 }],
    ['a non-http URL', { url: 'ftp://crm.example.com' }],
    ['parameters that are not an object schema', { parameters: { type: 'string' } }],
    ['parameters ajv cannot compile', { parameters: { type: 'object', properties: { a: { type: 'nonsense' } } } }],
  ])('refuses %s', (_label, overrides) => {
    expect(httpToolSettings.safeParse({ ...base, ...overrides }).success).toBe(false);
  });
});
