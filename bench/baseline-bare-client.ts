import http from 'node:http';
import { initiatedEnvelope } from './envelope';
import { pool, post } from './load';
import { CpuMeter } from './process-stats';
import { ReceiverHandle, totals } from './receiver-handle';
import { percentile } from './report';
import type { Measured } from './scenario-run';
import { BASELINE_CONCURRENCY, receiptTimeoutMs, scaled, WARMUP } from './settings';

/** Events of baseline (i), and of scenario b which is compared with it. */
export const BARE_CLIENT_EVENTS = scaled(10_000, 200);

/**
 * Baseline (i): what HTTP alone costs. A node http.Agent with keep-alive posts envelope-shaped
 * bodies to the receiver, 50 in flight, with a webhook-id as the dispatcher sends; timed from the
 * first send to the last receipt. `at` is set when each body is built, just before it is sent.
 */
export async function bareClient(): Promise<Measured> {
  const receiver = await ReceiverHandle.start();
  const agent = new http.Agent({ keepAlive: true, maxSockets: BASELINE_CONCURRENCY });
  try {
    const uri = `${receiver.url()}/cb`;
    const send = async () => {
      const envelope = initiatedEnvelope(uri);
      const headers = {
        'content-type': 'application/json',
        'webhook-id': envelope.id,
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      };
      await post(agent, receiver.ports[0], '/cb', JSON.stringify(envelope), headers);
    };
    await pool(WARMUP, BASELINE_CONCURRENCY, send);
    await receiver.reset();

    const cpu = new CpuMeter([{ name: 'receiver', pid: receiver.child.pid }]);
    const t0 = Date.now();
    await pool(BARE_CLIENT_EVENTS, BASELINE_CONCURRENCY, send);
    await receiver.waitFor(BARE_CLIENT_EVENTS, receiptTimeoutMs(BARE_CLIENT_EVENTS));
    const stats = await receiver.stats();
    const got = totals(stats);
    const seconds = (got.lastAt - t0) / 1000;
    return {
      count: got.unique,
      seconds,
      p50: percentile(stats.latencies, 0.5),
      p99: percentile(stats.latencies, 0.99),
      checks: [],
      notes: [
        `body ${Math.round(got.bodyBytes / got.unique)} bytes; latency = one request at ${BASELINE_CONCURRENCY} in flight`,
        cpu.report(seconds),
      ],
    };
  } finally {
    agent.destroy();
    await receiver.stop();
  }
}
