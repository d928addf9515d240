/**
 * Barge-in on a web call in Chromium: the agent's greeting is long, Chromium's fake microphone
 * speaks over it, and the server tells the page to drop the agent's unplayed audio (`clear`);
 * the transcript keeps the greeting marked interrupted and the caller's words after it. The STT
 * and TTS are the Deepgram and ElevenLabs protocol fakes.
 */
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';
import { startDeepgramFake, type DeepgramFake } from '../fakes/deepgram/server.js';
import { startElevenLabsFake, type ElevenLabsFake } from '../fakes/elevenlabs/server.js';
import { ScriptedRecognizer } from '../../src/voice/stt/scripted/recognizer.js';
import { hasChromium, launchChromium, widths, writeVoiceWav, type LaunchedBrowser } from './browser.js';

const heard = 'Sorry, can I stop you there?';
/** Many seconds of speech: the microphone's voice (1.5 s into each 5.7 s loop) lands inside it. */
const greeting = `Hello, this is the Parley scheduling line calling about your appointment next week. ${'I will read out every detail we have on file for you, slowly and in full, so please listen carefully. '.repeat(3)}`;

describe.skipIf(!hasChromium)('barge-in on a web call in Chromium', () => {
  let server: TestParley;
  let deepgram: DeepgramFake;
  let elevenlabs: ElevenLabsFake;
  let chromium: LaunchedBrowser;
  let context: BrowserContext;
  let page: Page;
  let tenant: Tenant;

  beforeAll(async () => {
    [deepgram, elevenlabs] = await Promise.all([
      startDeepgramFake({
        recognizer: (params) => new ScriptedRecognizer({ endpointingMs: params.endpointingMs, utteranceEndMs: params.utteranceEndMs ?? 1000, interimResults: params.interimResults, fallbackText: heard }),
      }),
      startElevenLabsFake(),
    ]);
    server = await startTestParley({
      env: { DEEPGRAM_API_KEY: deepgram.apiKey, DEEPGRAM_BASE_URL: deepgram.url, ELEVENLABS_API_KEY: elevenlabs.apiKey, ELEVENLABS_BASE_URL: elevenlabs.url },
    });
    tenant = await server.tenant();
    const wav = join(mkdtempSync(join(tmpdir(), 'parley-voice-')), 'voice.wav');
    writeVoiceWav(wav);
    chromium = await launchChromium(wav);
    context = await chromium.browser.newContext({ viewport: widths.laptop });
    await context.grantPermissions(['microphone'], { origin: server.url });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(server.url);
    await page.getByLabel('API key').fill(tenant.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await chromium?.close();
    await server?.close();
    await deepgram?.close();
    await elevenlabs?.close();
  });

  it('stops the agent when the caller talks over it: the page drops its audio and the greeting is marked interrupted', async () => {
    const agent = await tenant.request('POST', '/v1/agents', {
      name: 'Long talker', prompt: 'You schedule appointments.', greeting,
      interruption: { enabled: true, min_duration_ms: 300 },
    });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    await page.goto(`${server.url}/agents/${agent.body.id}`);
    await page.getByRole('button', { name: 'Start web call' }).click();
    const panel = page.getByTestId('web-call');
    await expect.poll(async () => Number(await panel.getAttribute('data-frames-played')), { timeout: 20_000 }).toBeGreaterThan(25);
    await expect.poll(async () => Number(await panel.getAttribute('data-interruptions')), { timeout: 30_000 }).toBeGreaterThan(0);
    const transcript = page.getByTestId('web-call-transcript');
    await expect.poll(() => transcript.textContent(), { timeout: 20_000 }).toContain(heard);
    const first = transcript.locator('li').first();
    expect(await first.textContent()).toContain('interrupted');
    // Only the words the caller heard are kept: less than the whole greeting.
    const href = await panel.getByRole('link', { name: 'call record' }).getAttribute('href');
    const call = (await tenant.request('GET', `/v1${href}`)).body;
    const spoken = call.transcript.find((turn: { role: string }) => turn.role === 'agent');
    expect(spoken.interrupted).toBe(true);
    expect(spoken.text.length).toBeLessThan(greeting.trim().length);
    await page.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(async () => (await tenant.request('GET', `/v1${href}`)).body.status, { timeout: 20_000 }).toBe('completed');
  }, 90_000);
});
