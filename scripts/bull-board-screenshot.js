#!/usr/bin/env node
// Opens Bull Board in a real (headless) Chromium and saves a screenshot of a queue's jobs in one
// status (by default the failed deliveries, i.e. the dead letters), to check by eye that the board
// authenticates, renders and shows each job with its error. It starts nothing but the browser:
// the api must already be running.
//
//   MANAGEMENT_API_KEY=<key> node scripts/bull-board-screenshot.js [output.png]
//
// Environment:
//   MANAGEMENT_API_KEY   the api's key (required); given to the board as the basic-auth password
//   BULL_BOARD_URL       where the board is (default http://localhost:8181/admin/queues)
//   BULL_BOARD_QUEUE     queue to show (default deliveries: of its partitions deliveries.pNN, the one
//                        with the most jobs in that status)
//   BULL_BOARD_STATUS    job status to show (default failed)
//   CHROMIUM             browser binary (default /usr/bin/chromium; on Debian: apt-get install -y chromium)
//   SCREENSHOT_TIMEOUT_MS  how long the page may take to show its jobs (default 30000)
// The screenshot goes to the path given as argument, else /tmp/bull-board.png. Keep it out of the repo.
//
// Why the DevTools protocol rather than `chromium --screenshot <url>`: the board is a React app
// that loads its data (and its translations) after the page loads, so the shot must wait for the
// jobs to be on screen; and basic auth cannot go in the URL (`http://user:key@host/...`), because
// a page whose URL holds credentials cannot use fetch(), so the board renders without its
// translations (labels such as QUEUE.STATUS.FAILED). Instead the browser answers the board's own
// basic-auth challenge with the key, and only the board's (no other site ever gets the key).
// No dependency: Chromium's DevTools protocol over Node's WebSocket.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// Node 20 has WebSocket behind a flag (Node 22 and later by default): run again with it.
if (typeof WebSocket === 'undefined') {
  const again = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings', __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(again.status ?? 1);
}

const boardUrl = (process.env.BULL_BOARD_URL || 'http://localhost:8181/admin/queues').replace(/\/+$/, '');
const apiKey = process.env.MANAGEMENT_API_KEY;
let queue = process.env.BULL_BOARD_QUEUE || 'deliveries';
const status = process.env.BULL_BOARD_STATUS || 'failed';
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const timeoutMs = Number(process.env.SCREENSHOT_TIMEOUT_MS || 30_000);
const output = path.resolve(process.argv[2] || '/tmp/bull-board.png');
const USER = 'admin';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const TIMED_OUT = Symbol('timed out');
/** What `promise` gives, or TIMED_OUT after `ms`; the timer is cleared either way. */
async function within(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

class Failure extends Error {}

/** The board's queues, with the jobs of `activeQueue` in `status` listed. */
async function boardQueues(activeQueue) {
  const api = `${boardUrl}/api/queues?activeQueue=${encodeURIComponent(activeQueue)}&status=${encodeURIComponent(status)}`;
  let res;
  try {
    res = await fetch(api, {
      headers: { authorization: `Basic ${Buffer.from(`${USER}:${apiKey}`).toString('base64')}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new Failure(
      `cannot reach ${boardUrl} (${err.cause?.code || err.message}); is the api running? Set BULL_BOARD_URL if it is elsewhere.`,
    );
  }
  if (res.status === 401) throw new Failure(`${boardUrl} answered 401: MANAGEMENT_API_KEY is not the api's key.`);
  if (!res.ok) throw new Failure(`${api} answered ${res.status}.`);
  return (await res.json()).queues || [];
}

/**
 * Asks the board's JSON API for the queue (fails early, with a sentence, if it is not there). A
 * name without a partition (`deliveries`) stands for its partitions' queues (`deliveries.p03`):
 * the one with the most jobs in `status` is shown.
 */
async function queueOnBoard() {
  let queues = await boardQueues(queue);
  if (!queues.some((q) => q.name === queue)) {
    const partitions = queues.filter((q) => q.name.startsWith(`${queue}.`));
    if (partitions.length > 0) {
      const count = (q) => (q.counts || {})[status] ?? 0;
      queue = partitions.reduce((a, b) => (count(b) > count(a) ? b : a)).name;
      queues = await boardQueues(queue);
    }
  }
  const found = queues.find((q) => q.name === queue);
  if (!found) throw new Failure(`the board has no queue "${queue}" (it has: ${queues.map((q) => q.name).join(', ')}).`);
  return found;
}

/** A minimal DevTools protocol client over one WebSocket. */
class Cdp {
  static connect(url) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => resolve(new Cdp(ws));
      ws.onerror = () => reject(new Failure(`cannot connect to the browser's DevTools at ${url}`));
    });
  }

  constructor(ws) {
    this.ws = ws;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Map();
    ws.onclose = () => {
      for (const call of this.pending.values())
        call.reject(new Failure(`the browser closed its DevTools connection during ${call.method}`));
      this.pending.clear();
    };
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.id !== undefined) {
        const call = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) call?.reject(new Error(`${call.method}: ${msg.error.message}`));
        else call?.resolve(msg.result);
      } else {
        for (const listener of this.listeners.get(msg.method) || []) listener(msg.params);
      }
    };
  }

  send(method, params = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  on(method, listener) {
    this.listeners.set(method, [...(this.listeners.get(method) || []), listener]);
  }

  close() {
    this.ws.close();
  }
}

function launchBrowser(userDataDir) {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${userDataDir}`,
    '--window-size=1400,900',
    '--hide-scrollbars',
    '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0',
    'about:blank',
  ];
  const child = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('error', (err) => (log += `\n${err.message}`));
  return { child, exited, log: () => log };
}

/** The page target's WebSocket URL, once Chromium has written its DevTools port. */
async function pageTarget(userDataDir, browser, deadline) {
  const portFile = path.join(userDataDir, 'DevToolsActivePort');
  while (Date.now() < deadline) {
    if (browser.child.exitCode !== null || browser.child.signalCode !== null) break;
    if (fs.existsSync(portFile)) {
      const port = Number(fs.readFileSync(portFile, 'utf8').split('\n')[0]);
      if (port > 0) {
        try {
          const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
          const page = targets.find((t) => t.type === 'page');
          if (page) return page.webSocketDebuggerUrl;
        } catch {
          // not ready yet
        }
      }
    }
    await sleep(100);
  }
  throw new Failure(`${chromium} did not open its DevTools port:\n${browser.log()}`);
}

async function screenshot(pageUrl, waitForText, deadline, cdp) {
  const origin = new URL(boardUrl).origin;
  // Answer basic-auth challenges with the key, but only the board's own.
  cdp.on('Fetch.requestPaused', ({ requestId }) => cdp.send('Fetch.continueRequest', { requestId }).catch(() => undefined));
  cdp.on('Fetch.authRequired', ({ requestId, request, authChallenge }) => {
    const ours = authChallenge.source === 'Server' && new URL(request.url).origin === origin;
    const authChallengeResponse = ours ? { response: 'ProvideCredentials', username: USER, password: apiKey } : { response: 'CancelAuth' };
    cdp.send('Fetch.continueWithAuth', { requestId, authChallengeResponse }).catch(() => undefined);
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*' }], handleAuthRequests: true });
  await cdp.send('Page.enable');
  await cdp.send('Emulation.setDeviceMetricsOverride', { width: 1400, height: 900, deviceScaleFactor: 1, mobile: false });
  const loaded = new Promise((resolve) => cdp.on('Page.loadEventFired', resolve));
  const nav = await cdp.send('Page.navigate', { url: pageUrl });
  if (nav.errorText) throw new Failure(`the browser could not open ${pageUrl}: ${nav.errorText}`);
  await within(loaded, Math.max(0, deadline - Date.now()));

  // The board has rendered the queue (and, if the API listed jobs, the first of them) and is no
  // longer showing its loading placeholder or raw translation keys.
  const ready = `(() => {
    const text = document.body ? document.body.innerText : '';
    return !!document.querySelector('main') && text.includes(${JSON.stringify(queue)})
      && text.includes(${JSON.stringify(waitForText)}) && !/\\bQUEUE\\.STATUS\\./.test(text);
  })()`;
  let shown = false;
  while (!shown && Date.now() < deadline) {
    const { result } = await cdp.send('Runtime.evaluate', { expression: ready, returnByValue: true });
    shown = result.value === true;
    if (!shown) await sleep(200);
  }
  if (shown) await sleep(500); // let fonts and transitions settle
  const { data } = await cdp.send('Page.captureScreenshot', { format: 'png' });
  fs.writeFileSync(output, Buffer.from(data, 'base64'));
  if (!shown) {
    const { result } = await cdp.send('Runtime.evaluate', {
      expression: 'document.body ? document.body.innerText.slice(0, 500) : ""',
      returnByValue: true,
    });
    throw new Failure(
      `the board did not show "${waitForText}" in ${queue} within ${timeoutMs} ms (what it showed is in ${output}); the page says:\n${result.value}`,
    );
  }
}

/** Closes Chromium the clean way (Browser.close), else with SIGTERM, else SIGKILL; waits for it. */
async function closeBrowser(browser, cdp) {
  const exited = async (ms) => (await within(browser.exited, ms)) !== TIMED_OUT;
  if (cdp)
    await within(
      cdp.send('Browser.close').catch(() => undefined),
      3000,
    );
  if (!(await exited(5000))) {
    browser.child.kill('SIGTERM');
    if (!(await exited(5000))) browser.child.kill('SIGKILL');
    await browser.exited;
  }
  cdp?.close();
  browser.child.stderr.destroy();
}

async function main() {
  process.exitCode = 1; // until the screenshot is written (a run that stops early must not look fine)
  if (!apiKey) throw new Failure("set MANAGEMENT_API_KEY to the api's key.");
  if (!fs.existsSync(chromium))
    throw new Failure(`no browser at ${chromium}: install it (apt-get update && apt-get install -y chromium) or set CHROMIUM.`);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Failure('SCREENSHOT_TIMEOUT_MS must be a positive number of milliseconds.');

  const found = await queueOnBoard();
  const jobs = found.jobs || [];
  const count = (found.counts || {})[status] ?? 0;
  console.log(`queue "${queue}": ${count} ${status} job(s)`);
  for (const job of jobs.slice(0, 5)) console.log(`  ${job.id}: ${job.failedReason ?? ''}`);
  const pageUrl = `${boardUrl}/queue/${encodeURIComponent(queue)}?status=${encodeURIComponent(status)}`;
  // With jobs listed, wait for the first one on screen; else for the queue's page itself.
  const waitForText = jobs.length > 0 ? String(jobs[0].id) : queue;

  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.rmSync(output, { force: true });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bull-board-chromium-'));
  const browser = launchBrowser(userDataDir);
  const deadline = Date.now() + timeoutMs;
  let cdp;
  try {
    console.log(`opening ${pageUrl}`);
    cdp = await Cdp.connect(await pageTarget(userDataDir, browser, deadline));
    await screenshot(pageUrl, waitForText, deadline, cdp);
  } finally {
    await closeBrowser(browser, cdp);
    try {
      fs.rmSync(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch (err) {
      console.warn(`could not remove the browser profile ${userDataDir}: ${err.message}`);
    }
  }
  console.log(`screenshot: ${output} (${fs.statSync(output).size} bytes)`);
  process.exitCode = 0;
}

main().catch((err) => {
  console.error(`bull-board-screenshot: ${err instanceof Failure ? err.message : err.stack || err}`);
  process.exit(1);
});
