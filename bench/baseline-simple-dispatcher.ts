import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Queue } from 'bullmq';
import { bullConnection, DeliveryJob, fillQueue } from './bullmq-backlog';
import { DRAIN_EVENTS } from './baseline-noop-worker';
import { CpuMeter } from './process-stats';
import { ReceiverHandle, totals } from './receiver-handle';
import { commandStats, perEvent } from './redis-stats';
import type { BenchContext, Measured } from './scenario-run';
import { REDIS_URL, receiptTimeoutMs } from './settings';

const ROOT = path.resolve(__dirname, '..');

/**
 * Baseline (iii): simple-dispatcher.ts, as its own process (as the product's dispatcher is),
 * draining jobs added before it started to the receiver. Timed from the first receipt to the
 * last, as scenario a times the product's dispatcher, so neither start-up counts (each is
 * printed apart).
 */
export async function simpleDispatcher(bench: BenchContext): Promise<Measured> {
  const connection = bullConnection();
  const queue = new Queue<DeliveryJob>('webhooks', { connection, prefix: `bench-simple-${randomBytes(4).toString('hex')}` });
  const receiver = await ReceiverHandle.start();
  let output = '';
  let child: ReturnType<typeof spawn> | undefined;
  try {
    await fillQueue(queue, DRAIN_EVENTS, `${receiver.url()}/cb`);
    const before = await commandStats(bench.redis);
    const spawnedAt = Date.now();
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'simple-dispatcher.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
        REDIS_URL,
        QUEUE: queue.name,
        QUEUE_PREFIX: queue.opts.prefix,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output = (output + d).slice(-5000)));
    child.stderr!.on('data', (d) => (output = (output + d).slice(-5000)));
    // CPU from the first receipt on, as for the product's dispatcher in scenario a.
    await receiver.waitFor(1, receiptTimeoutMs(0));
    const cpu = new CpuMeter([
      { name: 'simple dispatcher', pid: child.pid },
      { name: 'redis', pid: bench.redisPid },
      { name: 'receiver', pid: receiver.child.pid },
    ]);
    const complete = await receiver.waitFor(DRAIN_EVENTS, receiptTimeoutMs(DRAIN_EVENTS));
    const got = totals(await receiver.stats());
    const seconds = (got.lastAt - got.firstAt) / 1000;
    const per = perEvent(before, await commandStats(bench.redis), got.unique, 'per job');
    const notes = [
      `${DRAIN_EVENTS.toLocaleString('en-US')} jobs (BullMQ's default options) added before it started; start-up (spawn to first receipt, ts-node) ${((got.firstAt - spawnedAt) / 1000).toFixed(2)} s`,
      cpu.report(seconds),
      per.text,
    ];
    if (!complete) notes.unshift(`WARNING: only ${got.unique} of ${DRAIN_EVENTS} arrived; its output:\n${output}`);
    return { count: got.unique, seconds, checks: [], notes };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await receiver.stop();
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  }
}
