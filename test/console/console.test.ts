// The web console end to end: the real bundle, built here, served by a real allot server and
// driven in headless Chromium as a person would use it. Signing in with a token, a pool's chart
// changing after a buy, the order book's depth and fills, an instance's log followed as the clock
// moves, the balance, the API's errors on screen, and the operator's accounts and clock.
// Screenshots of each step go to test/console/artifacts/.
//
// SQLite only: what is under test is the page, and the API below it is tested on both stores.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer, testOperatorToken } from '../support/server.js';
import { launchChromium, screenshot } from './browser.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const hour = 3600;
const image = 'ubuntu-22.04-cuda-12.4';
/** Long enough for a view's next refresh (every 5 s) and a slow machine. */
const waitMilliseconds = 30_000;
/** A test waits for several refreshes. */
const testMilliseconds = 120_000;

describe('the web console in Chromium', { timeout: testMilliseconds }, () => {
  let server: TestServer;
  let browser: Browser;
  let buyer: ApiClient & { accountId: string };
  let sku: string;
  let pool: string;
  let t: number;

  beforeAll(async () => {
    // The bundle exactly as an install builds it; vitest's NODE_ENV=test would make Vite build another.
    const { NODE_ENV: _testEnvironment, ...environment } = process.env;
    await promisify(execFile)('npm', ['run', '--silent', 'build:console'], { cwd: projectRoot, env: environment });
    server = await startTestServer('sqlite');
    browser = await launchChromium();
    t = server.clock.now();

    // A provider's supply on the book: 4 nodes for the second hour at $2.40, 4 more at $3.00.
    sku = await server.newInstanceSku('h100-console');
    const provider = await server.newAccount('Provider');
    const supply = await server.operator.post('/admin/v1/pools', { account: provider.accountId, kind: 'originating', name: 'supply' });
    expect(supply.status).toBe(201);
    await server.issue(supply.body.id, sku, [{ start_at: t, end_at: t + 48 * hour, node_count: 8 }]);
    for (const [price, nodes] of [['2.40', 4], ['3.00', 4]] as const) {
      const ask = await provider.post('/preview/v2/orders', { pool: supply.body.id, side: 'sell', instance_sku: sku, allocation_schedule_delta: [{ start_at: t + hour, end_at: t + 2 * hour, node_count: nodes }], limit_price_dollars_per_node_hour: price, allow_standing: true, allow_partial: true });
      expect(ask.status, JSON.stringify(ask.body)).toBe(201);
    }

    buyer = await server.newAccount('Buyer');
    expect((await server.operator.post(`/admin/v1/accounts/${buyer.accountId}/credits`, { amount_dollars: '1000.00', memo: 'Console test credit' })).status).toBe(201);
    pool = (await buyer.post('/preview/v2/pools', { workspace: 'default', name: 'training' })).body.id;
  }, testMilliseconds);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** A fresh tab with an empty session storage, in a zone other than UTC so both are visible. */
  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'America/New_York', locale: 'en-US' });
    const page = await context.newPage();
    page.setDefaultTimeout(waitMilliseconds);
    return { context, page };
  }

  async function signIn(page: Page, token: string): Promise<void> {
    await page.goto(`${server.baseUrl}/console`);
    await page.getByLabel('API token or operator token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-signed-in]').waitFor();
  }

  async function canvasImage(page: Page, selector: string): Promise<string> {
    return page.locator(`${selector} canvas`).first().evaluate((canvas) => (canvas as HTMLCanvasElement).toDataURL());
  }

  it('refuses a token the server does not know, with the reason', async () => {
    const { context, page } = await newPage();
    await page.goto(`${server.baseUrl}/console`);
    await page.getByLabel('API token or operator token').fill('allot_sk_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('neither an account\'s API token nor the operator token').waitFor();
    await screenshot(page, '01-sign-in-refused');
    await context.close();
  });

  it('signs in with an API token and shows a pool\'s chart change after a buy', async () => {
    const { context, page } = await newPage();
    await signIn(page, buyer.token!);
    expect(await page.locator('[data-signed-in]').textContent()).toBe(`account ${buyer.accountId}`);
    const card = `[data-pool="training"]`;
    await page.locator(`${card} canvas`).waitFor();
    expect(await page.locator(`${card} .muted`, { hasText: 'No allocation from now on.' }).count()).toBe(1);
    const before = await canvasImage(page, card);
    await screenshot(page, '02-pool-before-buy');

    const bought = await buyer.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: t + hour, end_at: t + 2 * hour, node_count: 2 }], limit_price_dollars_per_node_hour: '2.70' });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    expect(bought.body.status).toBe('filled');

    // The view refreshes by itself: the schedule's table and its chart now show the two nodes.
    const row = page.locator(`${card} .schedule-table tbody tr`);
    await row.first().waitFor({ state: 'attached' });
    expect(await row.count()).toBe(1);
    expect((await row.locator('td').allTextContents()).at(-1)).toBe('2');
    // The chart is redrawn just after the table (in an effect, after the browser paints).
    await page.waitForFunction(
      ([selector, earlier]) => (document.querySelector(`${selector} canvas`) as HTMLCanvasElement | null)?.toDataURL() !== earlier,
      [card, before] as const,
    );
    // Times in the browser's zone, UTC on hover.
    const start = row.locator('time').first();
    expect(await start.getAttribute('datetime')).toBe(new Date((t + hour) * 1000).toISOString());
    expect(await start.getAttribute('title')).toBe('1 Jan 2026, 01:00:00 UTC');
    expect(await start.textContent()).toBe('Dec 31, 2025, 20:00 EST');
    await page.locator(`${card} summary`).click();
    await screenshot(page, '03-pool-after-buy');
    await context.close();
  });

  it('shows the order book\'s depth and the fill, and buys from it', async () => {
    const { context, page } = await newPage();
    await signIn(page, buyer.token!);
    await page.goto(`${server.baseUrl}/console/#/market`);
    // The window defaults to the next hour: the asks left after the buy, 2 at $2.40 and 4 at $3.00.
    const asks = page.locator('table.levels.asks tbody tr');
    await asks.first().waitFor();
    expect(await asks.allInnerTexts()).toEqual(['h100-console\t$2.40/node-hour\t2\t2', 'h100-console\t$3.00/node-hour\t4\t4']);
    await page.locator('[aria-label="Order book depth: cumulative nodes by price"] canvas').waitFor();
    const fill = page.locator('table.fills tbody tr');
    await fill.first().waitFor();
    expect(await fill.first().locator('td').nth(2).textContent()).toBe('$2.40/node-hour');
    await page.locator('[aria-label="Fills: price over time"] canvas').waitFor();
    await screenshot(page, '04-market');

    // A buy from the console: one more node into the pool, at the best ask.
    await page.getByRole('spinbutton', { name: 'Nodes' }).fill('1');
    await page.getByRole('button', { name: 'Buy', exact: true }).click();
    await page.locator('p.success', { hasText: 'filled at $2.40/node-hour' }).waitFor();
    const orders = (await buyer.get('/preview/v2/orders', { side: 'buy' })).body.data;
    expect(orders).toHaveLength(2);
    await screenshot(page, '05-market-after-console-buy');
    await context.close();
  });

  it('shows the API\'s own error message when an action is refused', async () => {
    const { context, page } = await newPage();
    await signIn(page, buyer.token!);
    await page.getByLabel('Name').fill('training');
    await page.getByRole('button', { name: 'Create pool' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const refused = await buyer.post('/preview/v2/pools', { workspace: 'default', name: 'training' });
    expect(await alert.textContent()).toContain(`Error ${refused.status}: ${refused.body.error.message}`);
    await screenshot(page, '06-api-error');
    await context.close();
  });

  it('follows a running instance\'s log as the clock moves', async () => {
    const created = await buyer.post('/preview/v2/instances', { pool, instance_sku: sku, image, name: 'trainer' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { context, page } = await newPage();
    await signIn(page, buyer.token!);
    await page.goto(`${server.baseUrl}/console/#/instances`);
    await page.getByRole('link', { name: 'trainer' }).click();
    await page.locator('p.empty', { hasText: 'waits for allocation' }).waitFor();

    // The allocation bought above starts at t + 1h: the instance starts running and booting.
    await server.advance(hour);
    const log = page.locator('pre.log');
    await log.getByText('Linux version').waitFor();
    expect(await page.locator('[data-log-state]').textContent()).toContain('following');
    const early = Number(await log.getAttribute('data-lines'));
    await screenshot(page, '07-instance-log-booting');

    // A minute later it has booted; the page shows the new lines without being reloaded.
    await server.advance(60);
    await log.getByText('trainer is ready').waitFor();
    expect(Number(await log.getAttribute('data-lines'))).toBeGreaterThan(early);
    await page.locator('.host-key').first().waitFor();
    await screenshot(page, '08-instance-log-booted');

    // Terminated from the console, its log ends and following stops.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Terminate' }).click();
    await log.getByText('Powering off').waitFor();
    await page.locator('[data-log-state]', { hasText: 'the instance is terminated; its log is complete' }).waitFor();
    expect((await buyer.get(`/preview/v2/instances/${created.body.id}`)).body.status).toBe('terminated');
    await screenshot(page, '09-instance-terminated');
    await context.close();
  });

  it('shows the balance and the transactions in dollars', async () => {
    const { context, page } = await newPage();
    await signIn(page, buyer.token!);
    await page.goto(`${server.baseUrl}/console/#/billing`);
    const balances = (await buyer.get('/v1/balances')).body;
    const dollars = (cents: number) => `$${Math.floor(cents / 100).toLocaleString('en-US')}.${String(cents % 100).padStart(2, '0')}`;
    await page.locator('[data-figure="available"]', { hasText: dollars(balances.available_balance_cents) }).waitFor();
    const rows = page.locator('table.transactions tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(3);
    expect(await rows.last().innerText()).toContain('Credit grant: Console test credit\t$1,000.00\t$1,000.00');
    await screenshot(page, '10-billing');
    await context.close();
  });

  it('gives the operator the accounts, the market and the manual clock, and advances it', async () => {
    const { context, page } = await newPage();
    await signIn(page, testOperatorToken);
    expect(await page.locator('[data-signed-in]').textContent()).toBe('operator');
    await page.locator(`tr[data-account="${buyer.accountId}"]`).waitFor();
    const listed = (await server.operator.get('/admin/v1/accounts')).body.data.map((account: { id: string }) => account.id);
    expect(await page.locator('tr[data-account]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-account')))).toEqual(listed);
    await screenshot(page, '11-operator-accounts');

    // The market needs an account's token beside the operator's.
    await page.getByRole('link', { name: 'Market' }).click();
    await page.getByRole('button', { name: 'Add an account token', exact: true }).click();
    await page.getByLabel('API token or operator token').fill(buyer.token!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-signed-in]', { hasText: `account ${buyer.accountId} + operator` }).waitFor();
    await page.locator('table.fills tbody tr').first().waitFor();
    await screenshot(page, '12-operator-market');

    await page.getByRole('link', { name: 'Clock' }).click();
    const now = page.locator('[data-clock-now]');
    await now.waitFor();
    const before = Number(await now.getAttribute('data-clock-now'));
    expect(before).toBe(server.clock.now());
    expect(await page.getByText('manual clock').count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: '+1h', exact: true }).click();
    await page.locator(`[data-clock-now="${before + hour}"]`).waitFor();
    expect((await server.operator.get('/admin/v1/clock')).body.now).toBe(before + hour);
    await page.locator('p.success', { hasText: 'Every invariant holds' }).waitFor();
    await screenshot(page, '13-operator-clock');
    await context.close();
  });
});
