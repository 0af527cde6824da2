import http from 'node:http';
import { transferRequest } from '../test/support/requests';
import { API_KEY } from './settings';

/**
 * The load the scenarios put on the api: `POST /management/v3/transferprocesses`, each create a
 * transfer whose only callback address is a receiver endpoint, so (with COUNTERPARTY_MODE=manual)
 * each create emits exactly one event, TransferProcessInitiated, to exactly one endpoint.
 */

export function post(
  agent: http.Agent,
  port: number,
  urlPath: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `task(0..n-1)` with at most `concurrency` in flight. */
export async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

export interface CreateReport {
  sent: number;
  refused: number;
  firstRefusal: string;
  seconds: number;
  /** Milliseconds from sending each create to its answer. */
  answerMs: number[];
}

/** Creates one transfer per call, each with a callback to the URI it is given; counts what the api refused. */
export class Creator {
  private readonly agent: http.Agent;
  private readonly bodies = new Map<string, string>();
  private readonly report: CreateReport = { sent: 0, refused: 0, firstRefusal: '', seconds: 0, answerMs: [] };

  constructor(
    private readonly apiPort: number,
    maxSockets: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  async create(callbackUri: string): Promise<void> {
    let body = this.bodies.get(callbackUri);
    if (!body) {
      body = JSON.stringify(
        transferRequest({ callbackAddresses: [{ uri: callbackUri, events: ['transfer.process'], transactional: false }] }),
      );
      this.bodies.set(callbackUri, body);
    }
    const t0 = performance.now();
    this.report.sent++;
    const reply = await post(this.agent, this.apiPort, '/management/v3/transferprocesses', body, {
      'content-type': 'application/json',
      'x-api-key': API_KEY,
    }).catch((err: Error) => ({ status: 0, body: err.message }));
    this.report.answerMs.push(performance.now() - t0);
    if (reply.status < 200 || reply.status > 299) {
      this.report.refused++;
      this.report.firstRefusal ||= `${reply.status} ${reply.body.slice(0, 300)}`;
    }
  }

  /** `count` creates, `concurrency` in flight, the i-th to `uriOf(i)`. */
  async many(count: number, concurrency: number, uriOf: (i: number) => string): Promise<CreateReport> {
    const t0 = performance.now();
    await pool(count, concurrency, (i) => this.create(uriOf(i)));
    return this.take(t0);
  }

  /**
   * Open loop: `perSecond` creates a second for `seconds`, each sent on its schedule whether or
   * not earlier ones have been answered (a late timer sends what is due at once), as independent
   * clients would. Resolves once all are answered.
   */
  async paced(perSecond: number, seconds: number, uri: string): Promise<CreateReport & { maxLagMs: number }> {
    const total = Math.round(perSecond * seconds);
    const t0 = performance.now();
    const inFlight: Promise<void>[] = [];
    let maxLagMs = 0;
    for (let i = 0; i < total;) {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - t0) * perSecond) / 1000) + 1);
      if (i < due) maxLagMs = Math.max(maxLagMs, now - (t0 + (i * 1000) / perSecond));
      for (; i < due; i++) inFlight.push(this.create(uri));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(inFlight);
    return { ...this.take(t0), maxLagMs };
  }

  /** The report since `t0`, and a fresh one for the next batch. */
  private take(t0: number): CreateReport {
    const report = { ...this.report, seconds: (performance.now() - t0) / 1000 };
    Object.assign(this.report, { sent: 0, refused: 0, firstRefusal: '', answerMs: [] });
    return report;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** "20,000 creates (128 in flight) answered in 30.1 s = 664/s" and any refusals. */
export function describeCreates(report: CreateReport, concurrency: number): string {
  const refused = report.refused ? `; WARNING: ${report.refused} refused, first: ${report.firstRefusal}` : '';
  return `${report.sent.toLocaleString('en-US')} creates (${concurrency} in flight) answered in ${report.seconds.toFixed(1)} s = ${Math.round(report.sent / report.seconds)}/s${refused}`;
}
