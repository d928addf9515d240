/**
 * Campaigns and the do-not-call list in Chromium against a real Parley: create a campaign with a
 * window, pace, retries and variables; add contacts as JSON rows and as a CSV whose bad row is
 * reported by line; start it and watch its progress finish live; follow an attempt to its call;
 * manage the do-not-call list; a read-only key sees no controls. axe-core checks every page and
 * each is saved at 375 px and 1280 px.
 */
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';
import { accessibilityProblems, hasChromium, launchChromium, screenshot, widths, writeVoiceWav, type LaunchedBrowser } from './browser.js';

describe.skipIf(!hasChromium)('campaigns and do-not-call in Chromium', () => {
  let server: TestParley;
  let chromium: LaunchedBrowser;
  let context: BrowserContext;
  let page: Page;
  let tenant: Tenant;
  const visited = new Map<string, string>();

  const open = async (path: string, name: string) => {
    visited.set(name, path);
    await page.goto(`${server.url}${path}`);
  };
  const expectAccessible = async (what: string) => expect(await accessibilityProblems(page), what).toEqual([]);
  const signIn = async (key: string) => {
    await page.goto(server.url);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  };

  beforeAll(async () => {
    server = await startTestParley({ env: { PARLEY_SIM_SPEED: '10' } });
    tenant = await server.tenant();
    const wav = join(mkdtempSync(join(tmpdir(), 'parley-voice-')), 'voice.wav');
    writeVoiceWav(wav);
    chromium = await launchChromium(wav);
    context = await chromium.browser.newContext({ viewport: widths.laptop });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await tenant.agent({ name: 'Reminders', kind: 'flow', template: 'appointment_confirmation', prompt: undefined, greeting: undefined });
  });

  afterAll(async () => {
    await context?.close();
    await chromium?.close();
    await server?.close();
  });

  let campaignPath = '';
  it('creates a campaign with a calling window, pace, retries by reason and shared variables', async () => {
    await signIn(tenant.key);
    await open('/campaigns', 'campaigns-empty');
    await expect.poll(() => page.getByText('No campaigns yet').isVisible()).toBe(true);
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByLabel('Name', { exact: true }).fill('December reminders');
    await page.getByLabel('Agent', { exact: true }).selectOption({ label: 'Reminders' });
    await expect.poll(() => page.getByLabel('appointment_date').count()).toBe(1);
    await expectAccessible('new campaign page');
    visited.set('campaign-new', '/campaigns/new');
    // A window that is open now in San Francisco, every day: the calls go out at once.
    await page.getByLabel('Closes at').fill('24:00');
    await page.getByLabel('Opens at').fill('00:00');
    for (const day of ['Saturday', 'Sunday']) await page.getByLabel(day).check();
    await page.getByLabel('Max concurrent calls').fill('2');
    await page.getByLabel('Calls per minute').fill('600');
    await page.getByLabel('Attempts when busy').fill('1');
    await page.getByLabel('appointment_date').fill('Tuesday at 3 PM');
    // A bad value is named beside its field by the API.
    await page.getByLabel('Calls per minute').fill('0');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    const fieldError = page.locator('.field.has-error');
    await expect.poll(() => fieldError.textContent()).toContain('Calls per minute');
    expect(await fieldError.textContent()).toContain('>=1');
    await page.getByLabel('Calls per minute').fill('600');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.waitForURL(/\/campaigns\/camp/);
    campaignPath = new URL(page.url()).pathname;
    visited.set('campaign', campaignPath);
    const created = await tenant.request('GET', `/v1${campaignPath}`);
    expect(created.body).toMatchObject({ name: 'December reminders', status: 'draft', max_concurrency: 2, calls_per_minute: 600, schedule: { start: '00:00', end: '24:00' }, variables: { appointment_date: 'Tuesday at 3 PM' }, retry: { busy: { max_attempts: 1 } } });
    expect(created.body.schedule.days).toHaveLength(7);
  });

  it('adds contacts as JSON rows and as a CSV, and reports the bad CSV row by its line', async () => {
    await page.getByLabel('Contacts (JSON rows)').fill(JSON.stringify([{ phone: '+14155550100', first_name: 'Ana', variables: { customer_name: 'Ana' } }]));
    await page.getByRole('button', { name: 'Add rows' }).click();
    await expect.poll(() => page.getByTestId('import-report').textContent()).toContain('1 contact added');
    await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from('phone,customer_name\n+14155550101,Bob\nnot-a-number,Cy\n+14155550106,Dee\n') });
    await page.getByRole('button', { name: 'Upload CSV' }).click();
    const report = page.getByTestId('import-report');
    await expect.poll(() => report.textContent()).toContain('2 contacts added');
    expect(await report.textContent()).toContain('Line 3');
    expect(await report.textContent()).toContain('not a valid E.164 phone number');
    await expect.poll(() => page.locator('[data-contact-phone]').count()).toBe(3);
    await expectAccessible('campaign page with contacts');
  });

  it('starts the campaign and watches its progress finish live, each attempt linking to its call', async () => {
    await page.getByRole('button', { name: 'Start' }).click();
    const progress = page.getByTestId('campaign-progress');
    const seen = new Set<string>();
    const heading = page.locator('main h1 .badge');
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      seen.add((await heading.textContent())?.trim() ?? '');
      if (seen.has('completed')) break;
      await page.waitForTimeout(100);
    }
    expect([...seen]).toEqual(expect.arrayContaining(['running', 'completed']));
    await expect.poll(() => progress.textContent()).toContain('3 of 3 finished');
    await expect.poll(() => page.locator('[data-count="Done: busy"] dd').textContent()).toBe('1');
    expect(await page.locator('[data-count="Done: completed"] dd').textContent()).toBe('2');
    // The busy contact's single attempt links to its call.
    const attempt = page.locator('[data-contact-phone="+14155550101"]').getByRole('link', { name: /Attempt 1/ });
    await expect.poll(() => attempt.getAttribute('aria-label')).toContain('busy');
    await expectAccessible('finished campaign page');
    await attempt.click();
    await page.waitForURL(/\/calls\/call_/);
    await expect.poll(() => page.getByTestId('call-status').textContent()).toContain('busy');
    // The call names its campaign and attempt, and leads back to it.
    await page.getByRole('link', { name: campaignPath.split('/').pop()! }).click();
    await page.getByTestId('campaign-progress').waitFor();
    await open('/campaigns', 'campaigns');
    await expect.poll(() => page.locator('[data-campaign-id]').count()).toBe(1);
    await expectAccessible('campaigns page');
  }, 90_000);

  it('adds numbers to the do-not-call list, typed and by CSV with a bad line, and removes one', async () => {
    await open('/do-not-call', 'do-not-call');
    await expect.poll(() => page.getByText('The list is empty').isVisible()).toBe(true);
    await page.getByRole('textbox', { name: 'Numbers' }).fill('+14155550107\n+14155550108');
    await page.getByLabel('Reason', { exact: true }).fill('asked by phone');
    await page.getByRole('button', { name: 'Add to the list' }).click();
    await expect.poll(() => page.getByTestId('dnc-report').textContent()).toContain('2 added');
    await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'dnc.csv', mimeType: 'text/csv', buffer: Buffer.from('number,reason\n+14155550109,complaint\nnope,x\n') });
    await page.getByRole('button', { name: 'Upload CSV' }).click();
    await expect.poll(() => page.getByTestId('dnc-report').textContent()).toContain('Line 3');
    await expect.poll(() => page.locator('td.mono').allTextContents()).toEqual(expect.arrayContaining(['+14155550107', '+14155550108', '+14155550109']));
    await expectAccessible('do-not-call page');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Remove +14155550108' }).click();
    await expect.poll(() => page.locator('td.mono').allTextContents()).not.toContain('+14155550108');
    const listed = await tenant.request('GET', '/v1/do-not-call');
    expect(listed.body.data.map((entry: { number: string }) => entry.number).sort()).toEqual(['+14155550107', '+14155550109']);
  });

  it('shows a read-only key the campaigns and the list without any control that would be refused', async () => {
    const readOnly = await tenant.request('POST', '/v1/api-keys', { name: 'viewer', scopes: ['calls:read'] });
    expect(readOnly.status).toBe(201);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(readOnly.body.key);
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await expect.poll(() => page.locator('[data-campaign-id]').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'New campaign' }).count()).toBe(0);
    await page.locator('[data-campaign-id] a').click();
    await page.getByTestId('campaign-progress').waitFor();
    expect(await page.getByRole('group', { name: 'Campaign actions' }).count()).toBe(0);
    expect(await page.getByText('Add contacts').count()).toBe(0);
    await page.getByRole('link', { name: 'Do not call' }).click();
    await expect.poll(() => page.locator('td.mono').count()).toBe(2);
    expect(await page.getByRole('button', { name: /Remove/ }).count()).toBe(0);
    expect(await page.getByRole('textbox', { name: 'Numbers' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(tenant.key);
  });

  it('every campaign page passes axe and is saved at 375 px and 1280 px', async () => {
    const problems: string[] = [];
    for (const [label, size] of Object.entries(widths)) {
      await page.setViewportSize(size);
      for (const [name, path] of visited) {
        if (name === 'campaigns-empty') continue;
        await page.goto(`${server.url}${path}`);
        await page.locator('main h1').first().waitFor();
        await page.locator('[role="status"] .spinner').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
        await page.waitForTimeout(200);
        problems.push(...(await accessibilityProblems(page)).map((problem) => `${name} @${label}: ${problem}`));
        await screenshot(page, `${name}-${label}`);
      }
    }
    await page.evaluate(() => localStorage.setItem('parley.theme', 'dark'));
    await page.goto(`${server.url}${campaignPath}`);
    await page.getByTestId('campaign-progress').waitFor();
    problems.push(...(await accessibilityProblems(page)).map((problem) => `campaign dark: ${problem}`));
    await screenshot(page, 'campaign-laptop-dark');
    expect(problems).toEqual([]);
  }, 120_000);
});
