/**
 * A recorded call's page in Chromium: on the simulated network with audio (the voice pipeline on
 * a μ-law line), a call to an agent that records ends with a WAV; the page's player loads it with
 * the key (never in the URL), knows its duration and seeks; each agent turn shows its latency
 * stages. Saved at 375 px and 1280 px, checked with axe.
 */
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';
import { accessibilityProblems, hasChromium, launchChromium, screenshot, widths, writeVoiceWav, type LaunchedBrowser } from './browser.js';

describe.skipIf(!hasChromium)('a recorded call\'s page in Chromium', () => {
  let server: TestParley;
  let chromium: LaunchedBrowser;
  let context: BrowserContext;
  let page: Page;
  let tenant: Tenant;
  let callId = '';

  beforeAll(async () => {
    const folder = mkdtempSync(join(tmpdir(), 'parley-recordings-'));
    server = await startTestParley({ env: { PARLEY_SIM_AUDIO: '1', PARLEY_SIM_SPEED: '10', PARLEY_RECORDINGS_DIR: folder } });
    tenant = await server.tenant();
    const agent = await tenant.agent({ greeting: 'Hi {{name}}, this is Parley about your appointment.', recording: { enabled: true, disclosure: 'This call is recorded.' } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100', variables: { name: 'Ana' } });
    callId = created.body.id;
    const ended = await tenant.waitForEnd(callId, 30_000);
    expect(ended.status).toBe('completed');
    const deadline = Date.now() + 15_000;
    while (!(await tenant.request('GET', `/v1/calls/${callId}`)).body.recording_url) {
      if (Date.now() > deadline) throw new Error('the call has no recording');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const wav = join(mkdtempSync(join(tmpdir(), 'parley-voice-')), 'voice.wav');
    writeVoiceWav(wav);
    chromium = await launchChromium(wav);
    context = await chromium.browser.newContext({ viewport: widths.laptop });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(server.url);
    await page.getByLabel('API key').fill(tenant.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await chromium?.close();
    await server?.close();
  });

  it('plays the recording fetched with the key: the player knows its length and seeks', async () => {
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${server.url}/calls/${callId}`);
    const player = page.getByRole('region', { name: 'Recording' }).locator('audio');
    await player.waitFor({ state: 'attached' });
    // HAVE_METADATA: Chromium parsed the WAV header from the blob.
    await expect.poll(() => player.evaluate((audio: HTMLAudioElement) => audio.readyState)).toBeGreaterThanOrEqual(1);
    const { duration } = await tenant.request('GET', `/v1/calls/${callId}`).then((call) => ({ duration: call.body.recording.duration_ms / 1000 }));
    const shown = await player.evaluate((audio: HTMLAudioElement) => audio.duration);
    expect(shown).toBeGreaterThan(1);
    expect(Math.abs(shown - duration)).toBeLessThan(0.1);
    const seekTo = shown / 2;
    const landed = await player.evaluate(
      (audio: HTMLAudioElement, to: number) =>
        new Promise<number>((resolve, reject) => {
          audio.addEventListener('seeked', () => resolve(audio.currentTime), { once: true });
          audio.addEventListener('error', () => reject(new Error(`media error ${audio.error?.code}`)), { once: true });
          audio.currentTime = to;
        }),
      seekTo,
    );
    expect(Math.abs(landed - seekTo)).toBeLessThan(0.05);
    // The key travelled in a header: no URL the page asked for carries it.
    expect(requested.some((url) => url.includes(tenant.key))).toBe(false);
    expect(requested.some((url) => url.endsWith(`/v1/calls/${callId}/recording`))).toBe(true);
  });

  it('shows each agent turn\'s latency stages', async () => {
    const stages = page.getByTestId('transcript').getByLabel('Latency stages');
    await expect.poll(() => stages.count()).toBeGreaterThan(0);
    const text = (await stages.first().textContent()) ?? '';
    // Whole milliseconds on screen.
    expect(text).toMatch(/first audio out \d+ ms/);
    const events = (await tenant.request('GET', `/v1/calls/${callId}/events`)).body.data.filter((event: { type: string }) => event.type === 'agent.turn_latency');
    expect(events.length).toBeGreaterThan(0);
    expect(text).toContain(`first audio out ${Math.round(events[0].data.first_audio_ms)} ms`);
    // Under the turn the event measured (it names the turn's offset), not the nearest by wall clock.
    const transcript = (await tenant.request('GET', `/v1/calls/${callId}`)).body.transcript as { role: string; text: string; offset_ms: number }[];
    const measured = transcript.find((turn) => turn.role === 'agent' && turn.offset_ms === events[0].data.turn_offset_ms);
    expect(measured).toBeDefined();
    expect(await stages.first().locator('xpath=..').textContent()).toContain(measured!.text);
  });

  it('says who answered and who decided it', async () => {
    await page.goto(`${server.url}/calls/${callId}`);
    // The simulated network knows a person answered: the carrier's verdict, at the answer.
    await expect.poll(() => page.getByTestId('answered-by').textContent()).toBe('human · the carrier, at the answer');
    // The timeline holds the call's statuses only (call.recording_ready carries the recording's).
    const timeline = page.getByRole('heading', { name: 'Timeline' }).locator('xpath=..').locator('li');
    await expect.poll(() => timeline.allTextContents()).toHaveLength(5);
    expect((await timeline.allTextContents()).join(' ')).not.toContain('ready');
  });

  it("shows a transfer's mode, target, outcome and leg", async () => {
    const agent = await tenant.agent({
      kind: 'flow', greeting: null, transfer_numbers: ['+14155550170'],
      flow: { start: 'move', nodes: { move: { type: 'transfer', to: '+14155550170', mode: 'cold', text: 'Transferring you now.', reason: 'billing question' } } },
    });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    expect(ended).toMatchObject({ end_reason: 'transferred', transfer: { outcome: 'answered' } });
    await page.goto(`${server.url}/calls/${ended.id}`);
    await expect.poll(() => page.getByTestId('transfer').textContent()).toBe(`cold to +14155550170 · answered · ${ended.transfer.leg_duration_s} s · billing question`);
  });

  it('passes axe and is saved at 375 px and 1280 px', async () => {
    const problems: string[] = [];
    for (const [label, size] of Object.entries(widths)) {
      await page.setViewportSize(size);
      await page.goto(`${server.url}/calls/${callId}`);
      await page.getByRole('region', { name: 'Recording' }).locator('audio').waitFor({ state: 'attached' });
      await page.waitForTimeout(300);
      problems.push(...(await accessibilityProblems(page)).map((problem) => `recorded call @${label}: ${problem}`));
      await screenshot(page, `call-recorded-${label}`);
    }
    expect(problems).toEqual([]);
  });
});
