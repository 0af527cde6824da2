import { performance } from 'node:perf_hooks';

/** How often the event loop's utilisation is read again: a drain's first tenth of a second still reads the idle time before it. */
const SAMPLE_MS = 100;
/** Busier than this, the replica itself is what makes its attempts slow. */
const BUSY_UTILISATION = 0.9;

/**
 * Whether this process's event loop was busy (at least 90 % of the last tenth of a second running
 * code). Then every latency it measures is mostly its own queueing, not its endpoints'.
 */
export function replicaBusy(): () => boolean {
  let last = performance.eventLoopUtilization();
  let lastAt = Date.now();
  let busy = false;
  return () => {
    const now = Date.now();
    if (now - lastAt >= SAMPLE_MS) {
      const current = performance.eventLoopUtilization();
      busy = performance.eventLoopUtilization(current, last).utilization >= BUSY_UTILISATION;
      last = current;
      lastAt = now;
    }
    return busy;
  };
}
