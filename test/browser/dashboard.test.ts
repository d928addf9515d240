/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
 * Parley: sign in, create a flow agent with variables, add a number, place a call from the form
 * and watch it complete live, read its transcript and outcome, create and revoke a key, chat,
 * and a web call whose fake microphone talks to the agent through the Deepgram and ElevenLabs
 * fakes. axe-core checks every page; every page is saved as a screenshot at 375 px and 1280 px.
 */
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';
import { startDeepgramFake, type DeepgramFake } from '../fakes/deepgram/server.js';
import { startElevenLabsFake, type ElevenLabsFake } from '../fakes/elevenlabs/server.js';
import { ScriptedRecognizer } from '../../src/voice/stt/scripted/recognizer.js';
import { accessibilityProblems, hasChromium, launchChromium, screenshot, widths, writeVoiceWav, type LaunchedBrowser } from './browser.js';

if (!hasChromium) {
  console.warn('Browser tests skipped: /usr/bin/chromium is not installed (apt-get install -y chromium; .ci/run installs it).');
}

const heard = 'Yes, that works for me.';

describe.skipIf(!hasChromium)('the dashboard in Chromium', () => {
  let server: TestParley;
  let deepgram: DeepgramFake;
  let elevenlabs: ElevenLabsFake;
  let chromium: LaunchedBrowser;
  let context: BrowserContext;
  let page: Page;
  let tenant: Tenant;
  const visited = new Map<string, string>();

  /** Goes to an app path (a full load: the app's routes fall back to index.html). */
  const open = async (path: string, name: string) => {
    visited.set(name, path);
    await page.goto(`${server.url}${path}`);
  };
  const expectAccessible = async (what: string) => expect(await accessibilityProblems(page), what).toEqual([]);

  beforeAll(async () => {
    [deepgram, elevenlabs] = await Promise.all([
      startDeepgramFake({
        // The microphone carries a voice, not scripted speech: whatever it says is heard as `heard`.
        recognizer: (params) => new ScriptedRecognizer({ endpointingMs: params.endpointingMs, utteranceEndMs: params.utteranceEndMs ?? 1000, interimResults: params.interimResults, fallbackText: heard }),
      }),
      startElevenLabsFake(),
    ]);
    server = await startTestParley({
      env: {
        PARLEY_SIM_SPEED: '4',
        // One chat at a time, so the page's refusal can be shown.
        PARLEY_MAX_CHATS: '1',
        DEEPGRAM_API_KEY: deepgram.apiKey, DEEPGRAM_BASE_URL: deepgram.url,
        ELEVENLABS_API_KEY: elevenlabs.apiKey, ELEVENLABS_BASE_URL: elevenlabs.url,
      },
    });
    tenant = await server.tenant();
    const wav = join(mkdtempSync(join(tmpdir(), 'parley-voice-')), 'voice.wav');
    writeVoiceWav(wav);
    chromium = await launchChromium(wav);
    context = await chromium.browser.newContext({ viewport: widths.laptop });
    await context.grantPermissions(['microphone', 'clipboard-read', 'clipboard-write'], { origin: server.url });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  });

  afterAll(async () => {
    await context?.close();
    await chromium?.close();
    await server?.close();
    await deepgram?.close();
    await elevenlabs?.close();
  });

  it('signs in with an API key, kept in session storage and never in the URL', async () => {
    await open('/', 'signin');
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    await expectAccessible('sign-in page');
    await screenshot(page, 'signin-laptop');
    await page.getByLabel('API key').fill('pk_not_a_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid');
    await page.getByLabel('API key').fill(tenant.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(page.url()).not.toContain(tenant.key);
    expect(await page.evaluate(() => sessionStorage.getItem('parley.apiKey'))).toBe(tenant.key);
    expect(await page.evaluate(() => localStorage.getItem('parley.apiKey'))).toBeNull();
  });

  let flowAgentId = '';
  it('creates a flow agent from the template and lists its {{variables}}', async () => {
    await open('/agents', 'agents-empty');
    await expect.poll(() => page.getByText('No agents yet').isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Create agent' }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Appointment confirmation');
    await page.getByLabel('Kind').selectOption('flow');
    await page.getByLabel('Start from a template').selectOption('appointment_confirmation');
    await expectAccessible('new agent page');
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.waitForURL(/\/agents\/agent_/);
    flowAgentId = page.url().split('/agents/')[1]!;
    visited.set('agent-flow', `/agents/${flowAgentId}`);
    for (const name of ['customer_name', 'appointment_date', 'business_name']) {
      await expect.poll(() => page.getByLabel(`Default for {{${name}}}`).count()).toBe(1);
    }
    expect(await page.getByLabel('Default for {{business_name}}').inputValue()).toBe('our office');
    await expectAccessible('agent page');
  });

  it('shows the API\'s flow errors beside the node at fault', async () => {
    const editor = page.getByLabel('Flow (JSON)');
    const flow = JSON.parse(await editor.inputValue());
    const firstNode = Object.keys(flow.nodes)[0]!;
    flow.nodes[firstNode].next = 'no_such_node';
    await editor.fill(JSON.stringify(flow, null, 2));
    await page.getByRole('button', { name: 'Save changes' }).click();
    const node = page.locator(`[data-node="${firstNode}"]`);
    await expect.poll(() => node.textContent()).toContain('no_such_node');
    expect(await node.getAttribute('class')).toContain('has-error');
    await open(`/agents/${flowAgentId}`, 'agent-flow');
  });

  it("sets how answering machines are found, and bounds Parley's verdict; saving again keeps both", async () => {
    await page.locator('summary', { hasText: 'Call behaviour' }).click();
    await page.getByLabel('Answering-machine detection').selectOption('parley');
    await page.getByLabel("Parley's verdict within (ms)").fill('2900');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved');
    const saved = await tenant.request('GET', `/v1/agents/${flowAgentId}`);
    expect(saved.body.voicemail).toMatchObject({ detection: 'parley', max_verdict_ms: 2900, action: 'hang_up' });
    // A save that touches something else leaves them as they were.
    await open(`/agents/${flowAgentId}`, 'agent-flow');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Appointment confirmation');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved');
    expect((await tenant.request('GET', `/v1/agents/${flowAgentId}`)).body.voicemail).toMatchObject({ detection: 'parley', max_verdict_ms: 2900 });
    // The carrier's detector has its own bounds: the field goes.
    await page.getByLabel('Answering-machine detection').selectOption('carrier');
    expect(await page.getByLabel("Parley's verdict within (ms)").count()).toBe(0);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => (await tenant.request('GET', `/v1/agents/${flowAgentId}`)).body.voicemail).toEqual({ detection: 'carrier', action: 'hang_up' });
    await open(`/agents/${flowAgentId}`, 'agent-flow');
  });

  it('adds a number on the simulated network, assigned to the agent', async () => {
    await open('/numbers', 'numbers');
    await page.getByLabel('Number', { exact: true }).fill('+14155550123');
    await page.getByLabel('Agent', { exact: true }).selectOption({ label: 'Appointment confirmation' });
    await page.getByRole('button', { name: 'Add number' }).click();
    await expect.poll(() => page.locator('td.mono').allTextContents()).toContain('+14155550123');
    await expectAccessible('numbers page');
  });

  let callId = '';
  it('places a call from the form with the agent\'s variables and watches it complete live', async () => {
    await open(`/calls/new?agent_id=${flowAgentId}`, 'new-call');
    await page.getByLabel('Number to call').fill('+14155550100');
    await page.getByLabel('customer_name').fill('Ana');
    await page.getByLabel('appointment_date').fill('Tuesday at 3 PM');
    await expectAccessible('new call page');
    await page.getByRole('button', { name: 'Place call' }).click();
    await page.waitForURL(/\/calls\/call_/);
    callId = page.url().split('/calls/')[1]!;
    visited.set('call', `/calls/${callId}`);
    const status = page.getByTestId('call-status');
    const seen = new Set<string>();
    const deadline = Date.now() + 25_000;
    while (Date.now() < deadline) {
      seen.add((await status.textContent())?.trim() ?? '');
      if (['completed', 'failed', 'busy', 'no answer', 'canceled', 'voicemail'].some((terminal) => seen.has(terminal))) break;
      await page.waitForTimeout(100);
    }
    const stored = await tenant.request('GET', `/v1/calls/${callId}`);
    expect([...seen], `the API says ${stored.body.status}`).toContain('completed');
    // It was watched, not loaded finished: an earlier status was on screen first.
    expect([...seen].some((value) => ['queued', 'dialing', 'ringing', 'in progress'].includes(value))).toBe(true);
  });

  it('reads the transcript and the outcome', async () => {
    await expect.poll(() => page.getByTestId('transcript').textContent()).toContain('Hi Ana');
    expect(await page.getByTestId('transcript').textContent()).toContain('Yes, that works for me.');
    await expect.poll(() => page.getByTestId('outcome').textContent(), { timeout: 20_000 }).toContain('"confirmed": true');
    await expect.poll(() => page.locator('.chip.tag').allTextContents()).toContain('confirmed');
    await expectAccessible('call page');
    await open('/calls', 'calls');
    await expect.poll(() => page.locator(`[data-call-id="${callId}"]`).textContent()).toContain('completed');
    await expectAccessible('calls page');
  });

  it('creates a key shown once with a copy button, and revokes it', async () => {
    await open('/keys', 'keys');
    await page.getByLabel('Name').fill('reporting');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('secret').textContent())!.trim();
    expect(secret).toMatch(/^pk_/);
    await page.getByRole('button', { name: 'Copy' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    expect((await fetch(`${server.url}/v1/calls`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
    await expectAccessible('keys page');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke reporting' }).click();
    await expect.poll(() => page.getByText('1 revoked').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(async () => (await fetch(`${server.url}/v1/calls`, { headers: { authorization: `Bearer ${secret}` } })).status, { timeout: 15_000 }).toBe(401);
  });

  it('chats with the agent by text', async () => {
    await open(`/agents/${flowAgentId}`, 'agent-flow');
    const chat = page.locator('section[aria-labelledby="chat-head"]');
    await chat.getByText('Variables (3)').click();
    await chat.getByLabel('customer_name').fill('Ana');
    await chat.getByLabel('appointment_date').fill('Friday');
    await chat.getByRole('button', { name: 'Start chat' }).click();
    await expectAccessible('agent page with a chat');
    await expect.poll(() => page.getByTestId('chat-log').textContent()).toContain('Hi Ana');
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Yes, that works for me.');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByTestId('chat-log').textContent()).toContain('confirmed');
  });

  it('says why a chat could not be opened', async () => {
    const chat = page.locator('section[aria-labelledby="chat-head"]');
    const end = chat.getByRole('button', { name: 'End chat' });
    if (await end.isVisible()) await end.click();
    await expect.poll(() => chat.getByRole('button', { name: 'Start again' }).isVisible(), { timeout: 15_000 }).toBe(true);
    // Another client takes the organisation's only chat, once the page's has been let go.
    const url = `${server.url.replace('http', 'ws')}/v1/agents/${flowAgentId}/chat?variables=${encodeURIComponent(JSON.stringify({ customer_name: 'Bo', appointment_date: 'Monday' }))}`;
    let holder: WebSocket | undefined;
    await expect.poll(async () => {
      const socket = new WebSocket(url, { headers: { authorization: `Bearer ${tenant.key}` } });
      const opened = await new Promise<boolean>((resolve) => {
        socket.once('message', () => resolve(true));
        socket.once('error', () => resolve(false));
      });
      if (opened) holder = socket;
      return opened;
    }, { timeout: 15_000, interval: 200 }).toBe(true);
    await chat.getByRole('button', { name: 'Start again' }).click();
    await expect.poll(() => page.getByTestId('chat-log').textContent()).toContain('The chat could not be opened');
    await expect.poll(() => chat.getByRole('button', { name: 'Start again' }).isVisible()).toBe(true);
    await expectAccessible('agent page with a refused chat');
    holder!.close();
  });

  it('talks to an agent by voice in the browser: the microphone is heard, the agent is heard back, the call is recorded', async () => {
    const agent = await tenant.request('POST', '/v1/agents', { name: 'Voice helper', prompt: 'You help {{customer_name}}.', greeting: 'Hello {{customer_name}}, how can I help?', default_variables: { customer_name: 'there' } });
    expect(agent.status).toBe(201);
    await open(`/agents/${agent.body.id}`, 'agent-prompt');
    visited.set('agent-prompt', `/agents/${agent.body.id}`);
    await page.getByRole('button', { name: 'Start web call' }).click();
    const panel = page.getByTestId('web-call');
    await expect.poll(async () => Number(await panel.getAttribute('data-frames-played')), { timeout: 20_000 }).toBeGreaterThan(25);
    await expect.poll(() => page.getByTestId('web-call-transcript').textContent(), { timeout: 30_000 }).toContain(heard);
    await expect.poll(() => page.getByTestId('web-call-transcript').textContent(), { timeout: 20_000 }).toContain('goodbye');
    const callLink = panel.getByRole('link', { name: 'call record' });
    const href = await callLink.getAttribute('href');
    const call = await tenant.request('GET', `/v1${href}`);
    expect(call.body.carrier).toBe('web');
    await expect.poll(async () => (await tenant.request('GET', `/v1${href}`)).body.status, { timeout: 20_000 }).toBe('completed');
    expect(deepgram.connections.length).toBeGreaterThan(0);
    expect(elevenlabs.connections.length).toBeGreaterThan(0);
  });

  it('shows the hook URL once in both forms, and the webhooks page', async () => {
    await open('/hooks', 'hooks');
    await page.getByLabel('Name').fill('crm');
    await page.getByRole('button', { name: 'Create hook' }).click();
    await expect.poll(() => page.getByTestId('hook-url').textContent()).toMatch(/\/v1\/hooks\/.+/);
    expect(await page.getByText('/compat/huskyvoice/v1/hooks/').count()).toBe(1);
    await expectAccessible('hooks page');
    await open('/webhooks', 'webhooks');
    await expectAccessible('webhooks page');
  });

  it('every page passes axe and is saved at 375 px and 1280 px, light and dark', async () => {
    const problems: string[] = [];
    for (const [label, size] of Object.entries(widths)) {
      await page.setViewportSize(size);
      for (const [name, path] of visited) {
        if (name === 'signin' || name === 'agents-empty') continue;
        await page.goto(`${server.url}${path}`);
        await page.locator('main h1').first().waitFor();
        await page.locator('[role="status"] .spinner').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
        await page.waitForTimeout(200);
        problems.push(...(await accessibilityProblems(page)).map((problem) => `${name} @${label}: ${problem}`));
        await screenshot(page, `${name}-${label}`);
      }
    }
    await page.evaluate(() => localStorage.setItem('parley.theme', 'dark'));
    for (const name of ['calls', 'call', 'agent-flow']) {
      await page.goto(`${server.url}${visited.get(name)}`);
      await page.waitForTimeout(400);
      problems.push(...(await accessibilityProblems(page)).map((problem) => `${name} dark: ${problem}`));
      await screenshot(page, `${name}-${Object.keys(widths).at(-1)}-dark`);
    }
    const fresh = await chromium.browser.newContext({ viewport: widths.phone });
    const signin = await fresh.newPage();
    await signin.goto(server.url);
    await signin.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(signin, 'signin-phone');
    await fresh.close();
    expect(problems).toEqual([]);
  }, 120_000);
});
