/**
 * What every delivery scenario shares: where Redis is, how big the run is, which scenarios run.
 *
 * BENCH_SCALE (default 1) multiplies every event count and duration, so `BENCH_SCALE=0.05` gives
 * a quick run that exercises each scenario; bars are only meaningful at full size.
 * BENCH_ONLY (e.g. `i,iii,a`) runs only the named baselines and scenarios.
 */

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const API_KEY = 'bench';
export const SCALE = Number(process.env.BENCH_SCALE ?? 1);
if (!(SCALE > 0)) throw new Error(`BENCH_SCALE must be a positive number, got "${process.env.BENCH_SCALE}"`);

const only = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
export const selected = (id: string) => only.length === 0 || only.includes(id);

/** `n` times BENCH_SCALE, rounded, never below `min` (so a tiny scale still measures something). */
export const scaled = (n: number, min: number) => Math.max(min, Math.round(n * SCALE));

/** The in-flight limit of the baselines, as in the simple dispatcher. */
export const BASELINE_CONCURRENCY = 50;

/** Untimed events before a scenario that measures a running system: JIT, pools and scripts warm. */
export const WARMUP = 300;

/** How long to wait for `n` receipts before reporting what arrived: a floor of 100 deliveries/s. */
export const receiptTimeoutMs = (n: number) => 60_000 + n * 10;
