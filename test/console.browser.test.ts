/**
 * The web console in real Chromium (playwright-core driving Debian's /usr/bin/chromium) against a real server
 * seeded through the API: the inventory's rows for a filter and an order, and its cursor paging; the market
 * chart; a lock made through REST appearing in the live feed and on its job page without a reload, through to
 * its receipt; a wallet's balances. A screenshot of each page goes to test-results/console/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_BUILD_DIR } from '../src/console-static.js';
import { LLM_NODES, seedConsoleMarket, type SeededConsole } from './console-seed.js';
import { sha256Hex, signedDeliverBody } from './support/delivery.js';
import { newJobId, newWallet } from './support/market.js';
import { call, signedLockBody, signedReleaseBody } from './support/rest.js';
import { expectLedgerSound } from './support/database.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = new URL('../test-results/console/', import.meta.url).pathname;
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(
    `console browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
  );

/** Chromium flags for a machine whose network is closed: no background connections, no GPU, a throwaway profile. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe.skipIf(!haveChromium)('the web console in Chromium', () => {
  let seeded: SeededConsole;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const url = (path: string) => `${seeded.server.url}/console${path}`;
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(CONSOLE_BUILD_DIR, 'index.html')))
      execFileSync('npm', ['run', 'build:web'], { cwd: new URL('..', import.meta.url).pathname, stdio: 'inherit' });
    mkdirSync(SHOTS, { recursive: true });
    seeded = await seedConsoleMarket();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    if (seeded) {
      await expectLedgerSound(seeded.server.market);
      await seeded.server.close();
    }
    expect(pageErrors).toEqual([]); // no uncaught error on any page
  });

  const rowMiners = () =>
    page
      .locator('[data-testid=inventory-table] tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-miner')));

  it('/ redirects to the inventory, whose rows follow a filter and an order, and page with cursors', async () => {
    await page.goto(seeded.server.url);
    expect(new URL(page.url()).pathname).toBe('/console/');
    await page.getByRole('heading', { name: 'GPU inventory' }).waitFor();

    // LLM nodes by price, cheapest first: the render-only nodes are not listed.
    await page.getByLabel('Job type', { exact: true }).selectOption('LLM');
    await page.waitForURL(/job=LLM/);
    await page.getByLabel('Sort by', { exact: true }).selectOption('price');
    await page.waitForURL(/sort=price/);
    const byPrice = [...seeded.llmNodes].sort((a, b) => Number(a.priceUrtc - b.priceUrtc)).map((n) => n.wallet.address);
    await expect.poll(rowMiners).toEqual(byPrice.slice(0, 20));
    await expect.poll(() => page.locator('.summary').textContent()).toContain(`${LLM_NODES} nodes match; page 1 of 2`);
    await shot('inventory');

    // The next page by its cursor, and back.
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(rowMiners).toEqual(byPrice.slice(20));
    expect(new URL(page.url()).searchParams.get('pages')).toMatch(/.+/);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(rowMiners).toEqual(byPrice.slice(0, 20));

    // Most expensive first, under a maximum price, from a shared URL.
    await page.goto(url('/?job=LLM&sort=price&dir=desc&maxPrice=0.0015'));
    const cheap = seeded.llmNodes.filter((n) => n.priceUrtc <= 1500n).map((n) => n.wallet.address);
    await expect.poll(rowMiners).toEqual(cheap.reverse());
    await expect(page.getByLabel('Max price (RTC)').inputValue()).resolves.toBe('0.0015');
    expect(await page.locator('tbody tr').first().textContent()).toContain('0.0015 RTC');

    // A phone's width: the table scrolls inside its box, the page does not.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(url('/?job=LLM&sort=price'));
    await expect.poll(rowMiners).toHaveLength(20);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('inventory-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('shows a node with its hardware, prices and their history', async () => {
    const node = seeded.llmNodes[0]!.wallet.address;
    await page.goto(url(`/nodes/${node}`));
    await page.getByRole('heading', { name: /^Node/ }).waitFor();
    await expect.poll(() => page.locator('main').textContent()).toContain('GeForce RTX 4090');
    const priceChart = page.locator('.chart.small').first();
    await priceChart.locator('canvas').first().waitFor();
    expect(Number(await priceChart.getAttribute('data-point-count'))).toBeGreaterThan(1); // the seeded moves
    await shot('node');
  });

  it('draws the market chart: candles on canvas, axis labels, one bar per bucket', async () => {
    await page.goto(url('/market?job=LLM&range=24h&bucket=HOUR'));
    const figure = page.getByTestId('market-chart');
    await figure.waitFor();
    expect(await figure.getAttribute('data-bucket-count')).toBe('24');
    expect(await figure.locator('.chart').getAttribute('data-bucket-count')).toBe('24');
    expect(await figure.locator('canvas').count()).toBeGreaterThan(0);
    await expect(figure.locator('.axis-label.x').textContent()).resolves.toBe('Time (UTC)');
    await expect(figure.locator('.axis-label.y').textContent()).resolves.toBe('RTC per 1K tokens');
    expect(await figure.textContent()).not.toContain('No price changes were quoted');
    // The rates table: every job type, with its providers or the insufficient-data state.
    const rates = page.getByTestId('rates-table');
    await expect.poll(() => rates.locator('tbody tr').count()).toBe(4);
    expect(await rates.locator('tr[data-job=LLM]').textContent()).toMatch(/eligible/);
    expect(await rates.textContent()).toContain('not enough data'); // nobody is verified or bonded here
    await shot('market');

    // Hourly buckets over 7 days, then daily ones over 30.
    await page.getByRole('radio', { name: '7d' }).check();
    await expect.poll(() => figure.getAttribute('data-bucket-count')).toBe('168');
    await page.getByRole('radio', { name: '30d' }).check();
    await page.getByRole('radio', { name: 'Daily' }).check();
    await expect.poll(() => figure.getAttribute('data-bucket-count')).toBe('30');
    expect(new URL(page.url()).searchParams.get('bucket')).toBe('DAY');
  });

  it('a lock made through REST appears in the live feed and on its job page, through to its receipt, without a reload', async () => {
    const { payer } = seeded;
    const provider = seeded.llmNodes[1]!.wallet;
    const lock = async (job_id: string) => {
      const body = signedLockBody(payer, {
        job_id,
        job_type: 'llm',
        to_wallet: provider.address,
        amount_urtc: '1000000',
      });
      const r = await call(seeded.server.url, 'POST', '/llm/escrow', body);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    };

    await page.goto(url('/live'));
    await page.getByText('Waiting for the next event').waitFor();
    // The feed follows from the seq committed when the page opened: a lock made at once is never missed, even
    // before the WebSocket's subscription is in place.
    const shown = newJobId('console-live');
    await lock(shown);
    const item = page.locator(`[data-testid=live-feed] li[data-job="${shown}"]`);
    await item.waitFor();
    expect(await item.getAttribute('data-change')).toBe('LOCKED');
    await shot('live');

    // The job page is open before the job exists, and follows it: locked, delivered, released, receipt.
    const job_id = newJobId('console-job');
    await page.goto(url(`/jobs/${job_id}`));
    await page.getByText('No escrow has been locked for this job yet').waitFor();
    await lock(job_id);
    const status = page.getByTestId('job-status');
    await expect.poll(() => status.getAttribute('data-status')).toBe('LOCKED');
    const delivered = signedDeliverBody(provider, {
      job_id,
      job_type: 'llm',
      result_hash: sha256Hex('tokens'),
      result_uri: 'https://results.example/job?x=<b>bold</b>',
    });
    expect((await call(seeded.server.url, 'POST', '/llm/deliver', delivered)).status).toBe(200);
    await expect.poll(() => status.getAttribute('data-status')).toBe('DELIVERED');
    const link = page.getByRole('link', { name: 'https://results.example/job?x=<b>bold</b>' });
    expect(await link.getAttribute('href')).toBe('https://results.example/job?x=<b>bold</b>');
    expect(await page.locator('main b').count()).toBe(0); // text, never HTML
    const release = signedReleaseBody(payer, { job_id, job_type: 'llm' });
    expect((await call(seeded.server.url, 'POST', '/llm/release', release)).status).toBe(200);
    await expect.poll(() => status.getAttribute('data-status')).toBe('RELEASED');
    await page.getByTestId('receipt').waitFor();
    expect(await page.getByTestId('receipt').textContent()).toContain(`"job_id":"${job_id}"`);
    expect(
      await page
        .getByTestId('job-events')
        .locator('li')
        .evaluateAll((items) => items.map((i) => i.getAttribute('data-change'))),
    ).toEqual(['LOCKED', 'DELIVERED', 'RELEASED']);
    await shot('job');
  });

  it('shows a non-https result address as text, not a link', async () => {
    const { payer } = seeded;
    const provider = seeded.llmNodes[2]!.wallet;
    const job_id = newJobId('console-ipfs');
    const body = signedLockBody(payer, { job_id, job_type: 'llm', to_wallet: provider.address, amount_urtc: '500000' });
    expect((await call(seeded.server.url, 'POST', '/llm/escrow', body)).status).toBe(201);
    const uri = 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
    const delivered = signedDeliverBody(provider, { job_id, job_type: 'llm', result_uri: uri });
    expect((await call(seeded.server.url, 'POST', '/llm/deliver', delivered)).status).toBe(200);
    await page.goto(url(`/jobs/${job_id}`));
    await page.getByText(uri).waitFor();
    expect(await page.getByRole('link', { name: uri }).count()).toBe(0);
  });

  it("shows a wallet's available and held balances and its escrows", async () => {
    const wallet = seeded.payer.address;
    const expected = await call(seeded.server.url, 'GET', `/wallet/balance?wallet=${wallet}`);
    await page.goto(url(`/wallets/${wallet}`));
    await expect.poll(() => page.getByTestId('available').textContent()).toBe(`${expected.body.available_rtc} RTC`);
    expect(await page.getByTestId('held').textContent()).toBe(`${expected.body.locked_rtc} RTC`);
    await expect.poll(() => page.getByRole('heading', { name: /Escrows paid/ }).textContent()).toMatch(/\(\d+\)/);
    await shot('wallet');

    // RustChain writes addresses in either case: the uppercase spelling opens the same wallet.
    await page.goto(url(`/wallets/RTC${wallet.slice(3).toUpperCase()}`));
    await expect.poll(() => page.getByTestId('available').textContent()).toBe(`${expected.body.available_rtc} RTC`);

    // An unknown page and a malformed address are said in words.
    await page.goto(url('/wallets/not-an-address'));
    await page.getByText('is not a wallet address').waitFor();
    await page.goto(url(`/wallets/${newWallet().address}`));
    await expect.poll(() => page.getByTestId('available').textContent()).toBe('0 RTC');
  });
});
