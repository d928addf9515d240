/** TwilioApiClient against the fake Twilio: exact form fields, Basic auth, and error mapping. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTwilio } from '../../../test/fakes/twilio/index.js';
import { ProviderError } from '../../shared/errors.js';
import { TwilioApiClient, TwilioApiError } from './api-client.js';

const twiml = '<Response><Connect><Stream url="wss://parley.example.com/twilio/media"><Parameter name="callId" value="call_1"/></Stream></Connect></Response>';

let fake: FakeTwilio;
let client: TwilioApiClient;

beforeAll(async () => {
  // The callee never answers within the test, so no callback or stream is attempted.
  fake = await FakeTwilio.start({ defaultScript: { outcome: 'no-answer' } });
  client = new TwilioApiClient({ accountSid: fake.accountSid, authToken: fake.authToken, apiBaseUrl: fake.baseUrl });
});

afterAll(async () => {
  await fake.stop();
});

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('TwilioApiClient', () => {
  it('creates a call with the exact form fields and Basic auth', async () => {
    const call = await client.createCall({
      to: '+14155550100',
      from: '+14155550199',
      twiml,
      statusCallbackUrl: 'http://127.0.0.1:9/twilio/status?callId=call_1',
      ringTimeoutS: 30,
      timeLimitS: 600,
      machineDetection: { mode: 'DetectMessageEnd', callbackUrl: 'http://127.0.0.1:9/twilio/status?callId=call_1&source=amd' },
    });
    expect(call).toMatchObject({ status: 'queued', direction: 'outbound-api' });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    const request = fake.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Calls.json`);
    expect(request.authorization).toBe(`Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`);
    expect(request.form).toEqual({
      To: ['+14155550100'],
      From: ['+14155550199'],
      Twiml: [twiml],
      StatusCallback: ['http://127.0.0.1:9/twilio/status?callId=call_1'],
      StatusCallbackMethod: ['POST'],
      StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      Timeout: ['30'],
      TimeLimit: ['600'],
      MachineDetection: ['DetectMessageEnd'],
      AsyncAmd: ['true'],
      AsyncAmdStatusCallback: ['http://127.0.0.1:9/twilio/status?callId=call_1&source=amd'],
      AsyncAmdStatusCallbackMethod: ['POST'],
    });
  });

  it('leaves machine detection out when it is not asked for', async () => {
    await client.createCall({
      to: '+14155550100', from: '+14155550199', twiml, statusCallbackUrl: 'http://127.0.0.1:9/s', ringTimeoutS: 60, timeLimitS: 60,
    });
    const form = fake.requests.at(-1)!.form;
    expect(Object.keys(form)).not.toContain('MachineDetection');
    expect(Object.keys(form)).not.toContain('AsyncAmd');
  });

  it('cancels a ringing call and completes an answered one', async () => {
    const call = await client.createCall({
      to: '+14155550100', from: '+14155550199', twiml, statusCallbackUrl: 'http://127.0.0.1:9/s', ringTimeoutS: 60, timeLimitS: 60,
    });
    const updated = await client.updateCall(call.sid, { status: 'canceled' });
    expect(updated).toMatchObject({ sid: call.sid, status: 'canceled' });
    const request = fake.requests.at(-1)!;
    expect(request.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Calls/${call.sid}.json`);
    expect(request.form).toEqual({ Status: ['canceled'] });
  });

  it('maps a bad To onto a permanent invalid_request without quoting the number', async () => {
    const error = await rejection(client.createCall({
      to: '12345', from: '+14155550199', twiml, statusCallbackUrl: 'http://127.0.0.1:9/s', ringTimeoutS: 60, timeLimitS: 60,
    }));
    expect(error).toMatchObject({ provider: 'twilio', category: 'invalid_request', retryable: false, statusCode: 400 });
    expect(error.message).toContain('21211');
    expect(error.message).not.toContain('12345');
    expect(error.cause).toBeInstanceOf(TwilioApiError);
    expect(error.cause).toMatchObject({ code: 21211, httpStatus: 400, moreInfo: 'https://www.twilio.com/docs/errors/21211' });
  });

  it('maps a wrong auth token onto auth', async () => {
    const wrong = new TwilioApiClient({ accountSid: fake.accountSid, authToken: 'wrong', apiBaseUrl: fake.baseUrl });
    const error = await rejection(wrong.updateCall(`CA${'0'.repeat(32)}`, { status: 'completed' }));
    expect(error).toMatchObject({ category: 'auth', retryable: false, statusCode: 401 });
    expect(error.cause).toMatchObject({ code: 20003 });
  });

  it('maps an unknown call onto a permanent invalid_request, and refuses a malformed SID without a request', async () => {
    const error = await rejection(client.updateCall(`CA${'f'.repeat(32)}`, { status: 'completed' }));
    expect(error).toMatchObject({ category: 'invalid_request', statusCode: 404 });
    const count = fake.requests.length;
    await rejection(client.updateCall('../Accounts', { status: 'completed' }));
    expect(fake.requests.length).toBe(count);
  });

  it('maps an unreachable API onto a retryable connectivity error', async () => {
    const closed = await FakeTwilio.start();
    const baseUrl = closed.baseUrl;
    await closed.stop();
    const offline = new TwilioApiClient({ accountSid: fake.accountSid, authToken: fake.authToken, apiBaseUrl: baseUrl });
    const error = await rejection(offline.updateCall(`CA${'0'.repeat(32)}`, { status: 'completed' }));
    expect(error).toMatchObject({ category: 'connectivity', retryable: true });
  });

  describe('against a Twilio edge that is overloaded', () => {
    let edge: Server;
    let edgeUrl: string;
    const replies: Array<[number, string, string]> = [];

    beforeAll(async () => {
      edge = createServer((request, response) => {
        request.resume();
        const [status, contentType, body] = replies.shift() ?? [500, 'text/plain', 'no reply scripted'];
        response.writeHead(status, { 'content-type': contentType }).end(body);
      });
      await new Promise<void>((resolve) => edge.listen(0, '127.0.0.1', resolve));
      edgeUrl = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => edge.close(() => resolve())));

    it('treats 429 as a retryable rate limit and an HTML 503 as a retryable server error', async () => {
      const edgeClient = new TwilioApiClient({ accountSid: fake.accountSid, authToken: 't', apiBaseUrl: edgeUrl });
      replies.push([429, 'application/json', JSON.stringify({ code: 20429, message: 'Too Many Requests', more_info: 'https://www.twilio.com/docs/errors/20429', status: 429 })]);
      replies.push([503, 'text/html', '<html>Service Unavailable</html>']);
      const sid = `CA${'1'.repeat(32)}`;
      expect(await rejection(edgeClient.updateCall(sid, { status: 'completed' }))).toMatchObject({ category: 'rate_limit', retryable: true, statusCode: 429 });
      expect(await rejection(edgeClient.updateCall(sid, { status: 'completed' }))).toMatchObject({ category: 'server', retryable: true, statusCode: 503 });
    });

    it('times out a request that hangs, as a retryable connectivity error', async () => {
      const hanging = createServer(() => undefined);
      await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
      const slow = new TwilioApiClient({
        accountSid: fake.accountSid, authToken: 't', requestTimeoutMs: 50,
        apiBaseUrl: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
      });
      expect(await rejection(slow.updateCall(`CA${'1'.repeat(32)}`, { status: 'completed' }))).toMatchObject({ category: 'connectivity', retryable: true });
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    });
  });
});
