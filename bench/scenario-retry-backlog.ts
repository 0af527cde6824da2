import { Creator, describeCreates } from './load';
import { attemptsByOutcome, sampleQueuePeaks } from './metrics-sampler';
import { productCpuMeter, memoryMb } from './process-stats';
import { totals } from './receiver-handle';
import { usedMemory, waitForQuiet } from './redis-stats';
import { bar, mb } from './report';
import { BenchContext, Measured, withRun } from './scenario-run';
import { receiptTimeoutMs, scaled } from './settings';

const DELIVERIES = scaled(100_000, 500);
/** Enough creates in flight that the api, not the client, sets their pace. */
const CREATE_CONCURRENCY = 128;
/**
 * The receiver fails every first attempt, and an endpoint's circuit opens after
 * CIRCUIT_FAILURE_THRESHOLD consecutive failures (deliveries then park instead of waiting on
 * their retry delay). So the events are spread over enough paths that none sees more than
 * EVENTS_PER_PATH failures, with the threshold raised above that.
 */
const EVENTS_PER_PATH = 500;
const DISPATCHER_ENV = {
  // An hour (the default cap of the backoff): no retry comes due while the scenario runs, even with -20% jitter.
  DISPATCH_BACKOFF_MS: '3600000',
  CIRCUIT_FAILURE_THRESHOLD: '1000',
};

/**
 * Scenario f, backlog: 100,000 deliveries waiting on a retry delay. One dispatcher runs while the
 * events are created; the receiver answers 500 to the first attempt of each, so each delivery
 * ends up scheduled for a retry an hour later. Measured once Redis is quiet again: the
 * dispatcher's memory (peak and at rest), and Redis's used_memory growth per waiting delivery
 * (all the product keeps for it: the transfer's state and indexes, the event, the job, its log).
 */
export function retryBacklog(bench: BenchContext): Promise<Measured> {
  return withRun(bench, 'f', async (run) => {
    const receiver = await run.receiver({ ports: 1, failFirst: true });
    const api = await run.api();
    const dispatcher = await run.dispatcher(DISPATCHER_ENV);
    await waitForQuiet(bench.redis, 15_000);
    const memoryBefore = await usedMemory(bench.redis);

    const paths = Math.ceil(DELIVERIES / EVENTS_PER_PATH);
    const cpu = productCpuMeter({
      api: api.child.pid,
      dispatcher: dispatcher.child.pid,
      redis: bench.redisPid,
      receiver: receiver.child.pid,
    });
    const peaks = sampleQueuePeaks(dispatcher.port);
    const t0 = Date.now();
    const creator = new Creator(api.port, CREATE_CONCURRENCY);
    const created = await creator
      .many(DELIVERIES, CREATE_CONCURRENCY, (i) => `${receiver.url()}/cb/${i % paths}`)
      .finally(() => creator.close());
    const expected = created.sent - created.refused;
    const complete = await receiver.waitFor(expected, receiptTimeoutMs(expected));
    const got = totals(await receiver.stats());
    // The dispatcher records each failed attempt after its answer: let it finish.
    const quiet = await waitForQuiet(bench.redis);
    const seconds = (got.lastAt - t0) / 1000;
    const cpuLine = cpu.report((Date.now() - t0) / 1000);
    const peakLine = await peaks.stop();
    const bytes = (await usedMemory(bench.redis)) - memoryBefore;
    const memory = memoryMb(dispatcher.child.pid);
    const perDelivery = bytes / got.unique;

    const notes = [
      `${describeCreates(created, CREATE_CONCURRENCY)} while the dispatcher ran; to ${paths} paths of one receiver port; ${Object.entries(
        DISPATCHER_ENV,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
      `first attempts (each answered 500): ${got.unique.toLocaleString('en-US')}; attempts by outcome (dispatcher's /metrics): ${await attemptsByOutcome(dispatcher.port)}`,
      `Redis used_memory grew ${(bytes / 1024 / 1024).toFixed(1)} MB = ${Math.round(perDelivery).toLocaleString('en-US')} bytes per waiting delivery`,
      `dispatcher memory: peak (VmHWM) ${memory ? memory.peak.toFixed(0) : '?'} MB, with all waiting ${memory ? memory.now.toFixed(0) : '?'} MB`,
      peakLine,
      cpuLine,
    ];
    if (!quiet) notes.unshift('WARNING: Redis did not go quiet after the last first attempt; memory was read while work went on');
    if (!complete)
      notes.unshift(`WARNING: only ${got.unique} of ${expected} first attempts arrived within ${receiptTimeoutMs(expected) / 1000} s`);
    return {
      count: got.unique,
      seconds,
      checks: [bar('dispatcher peak RSS (VmHWM) with the backlog', memory?.peak, '<=', 200, mb)],
      notes,
    };
  });
}
