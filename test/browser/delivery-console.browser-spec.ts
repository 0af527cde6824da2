/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import puppeteer, { Browser, Page } from 'puppeteer-core';
import { API_KEY, apiClient, Stack, startStack, transferRequest, waitUntil } from '../support/harness';

/**
 * The delivery console in a real browser (issue 22), as ops use it after a receiver outage: find
 * a failed delivery by its transfer id, open it, read its attempts, retry it (confirmed, and
 * reported), and see it delivered. Every request the pages make stays on the api: no font,
 * script or stylesheet from anywhere else, Bull Board's page included.
 * With SCREENSHOT_DIR set (docs/ for the operations guide), the pages are saved there.
 */
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOT_DIR;

describe('the delivery console in Chromium', () => {
  let stack: Stack;
  let base: string;
  let browser: Browser;
  let page: Page;
  let outage = true;
  const external: string[] = [];
  const { post } = apiClient(() => stack.api);

  beforeAll(async () => {
    stack = await startStack(
      () => ({ COUNTERPARTY_MODE: 'manual', LOG_LEVEL: 'error', DISPATCH_MAX_ATTEMPTS: '2' }),
      (call) => (call.path.startsWith('/hooks') && outage ? { status: 503, body: 'maintenance until 14:00' } : { status: 200, body: 'ok' }),
    );
    await stack.api.listen(0, '127.0.0.1');
    base = await stack.api.getUrl();
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1366, height: 800 });
    await page.authenticate({ username: 'ops', password: API_KEY });
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const host = new URL(request.url()).host;
      if (request.url().startsWith('data:') || host === new URL(base).host) return void request.continue();
      external.push(request.url());
      void request.abort();
    });
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const shot = async (name: string) => {
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
  };
  const text = () => page.evaluate(() => document.body.innerText);

  it('finds a failed delivery by its transfer id, shows its attempts, retries it, and shows it delivered', async () => {
    expect(existsSync(CHROMIUM)).toBe(true);
    // A few dead letters, one of them the transfer ops look for.
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await post(
        '/management/v3/transferprocesses',
        transferRequest({
          callbackAddresses: [{ uri: `${stack.receiver.url}/hooks/${n}?token=t0ken-${n}`, events: ['transfer.process'] }],
        }),
      ).expect(200);
      ids.push(res.body['@id']);
    }
    const transferId = ids[1];
    await waitUntil(
      async () =>
        (
          await apiClient(() => stack.api)
            .get(`/management/v1/deliveries?status=failed`)
            .expect(200)
        ).body.length === 3,
      30_000,
      'three dead letters',
    );

    await page.goto(`${base}/admin/deliveries`, { waitUntil: 'load' });
    expect(await text()).toContain('Failed and held deliveries, newest first');
    // Every field of the filter has a label.
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select')].filter((el) => !(el as HTMLInputElement).labels?.length).map((el) => el.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    await shot('console-list.png');

    // By keyboard: type the transfer id into the object field and press Enter.
    await page.focus('#f-entity');
    await page.keyboard.type(transferId);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const rows = await page.$$eval('tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).innerText));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(transferId);
    expect(rows[0]).toContain('token=***');

    await Promise.all([page.waitForNavigation(), page.click('a[aria-label^="Open delivery"]')]);
    const attempts = await page.$$eval('table[aria-labelledby="attempts"] tbody tr', (trs) =>
      trs.map((tr) => (tr as HTMLElement).innerText),
    );
    expect(attempts).toHaveLength(2);
    expect(attempts.every((a) => a.includes('503') && a.includes('maintenance until 14:00'))).toBe(true);
    expect(await text()).toContain('TransferProcessInitiated');
    await shot('console-delivery.png');
    const deliveryUrl = page.url();

    // The receiver is back: retry, confirm, read the report.
    outage = false;
    await Promise.all([page.waitForNavigation(), page.click('a.button[href$="/retry"]')]);
    expect(await text()).toContain('Retry this delivery');
    await shot('console-confirm.png');
    await Promise.all([page.waitForNavigation(), page.click('form button[type="submit"]')]);
    expect(await text()).toContain('queued again');

    await waitUntil(
      async () => {
        await page.goto(deliveryUrl, { waitUntil: 'load' });
        return (await page.$eval('h2 .status', (el) => el.textContent)) === 'delivered';
      },
      30_000,
      'the delivery shown delivered',
    );
    expect(await text()).toContain('200');

    // Bull Board's page too loads nothing from elsewhere (its Google Fonts link is left out).
    await page.goto(`${base}/admin/queues`, { waitUntil: 'networkidle0' });
    expect(external).toEqual([]);
  }, 120_000);
});
