/**
 * Browser tests' support: Debian's Chromium driven by playwright-core (no downloaded browser),
 * an axe-core check, screenshots at phone and laptop widths, and a synthetic voice for the fake
 * microphone.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import axe from 'axe-core';
import { writeWav } from '../../src/media/wav.js';

export const chromiumPath = '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);
export const screenshotDir = resolve(import.meta.dirname, '../../.screenshots');

export const widths = { phone: { width: 375, height: 812 }, laptop: { width: 1280, height: 800 } } as const;

export interface LaunchedBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * Chromium headless, sandbox off (root), no background traffic, a fake microphone playing `wav`.
 * playwright gives every launch a fresh, empty user-data-dir of its own (it refuses the flag).
 */
export async function launchChromium(wav: string): Promise<LaunchedBrowser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-quic', '--no-first-run', '--disable-dev-shm-usage',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** Serious or critical axe violations on the page (rule id, impact, first target). */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated through the debugger, so the app's Content-Security-Policy (no inline scripts) stays on.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  const result = await page.evaluate(async () => (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.slice(0, 3).map((node) => node.target.join(' ')).join(' | ')}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/**
 * A voice-like sound as a 16 kHz WAV: 1.5 s of silence, 1.2 s of a gliding harmonic tone in
 * syllable-length bursts (loud enough for an energy VAD, shaped like speech so the browser's
 * noise suppression keeps it), then 3 s of silence. Chromium loops the file.
 */
export function writeVoiceWav(path: string): void {
  const rate = 16_000;
  const seconds = 5.7;
  const samples = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < samples.length; i++) {
    const t = i / rate;
    if (t < 1.5 || t > 2.7) continue;
    const local = t - 1.5;
    const pitch = 130 + 30 * Math.sin(2 * Math.PI * 0.8 * local);
    const phase = 2 * Math.PI * pitch * local;
    let value = 0;
    for (let harmonic = 1; harmonic <= 12; harmonic++) {
      const frequency = pitch * harmonic;
      const formant = Math.exp(-(((frequency - 700) / 400) ** 2)) + 0.6 * Math.exp(-(((frequency - 1200) / 500) ** 2)) + 0.15;
      value += (formant / harmonic ** 0.5) * Math.sin(harmonic * phase);
    }
    const syllable = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * local - Math.PI / 2);
    const edge = Math.min(1, local / 0.05, (1.2 - local) / 0.05);
    samples[i] = Math.round(Math.max(-1, Math.min(1, value * 0.25 * syllable * edge)) * 32767);
  }
  writeFileSync(path, writeWav(samples, rate));
}
