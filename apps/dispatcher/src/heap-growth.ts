import { setFlagsFromString } from 'node:v8';

/**
 * How much V8 lets the old generation grow past what survived the last full collection before
 * it collects again, in percent, unless the process was started with its own
 * `--heap-growing-percent`.
 *
 * Why: a delivery in flight lives through a few young-generation collections, so its request,
 * reply and records are promoted, and die old. With V8's default growth (up to 4x what
 * survives) that garbage piled up before a full collection, and set the dispatcher's peak RSS.
 * V8 collects again at the larger of this growth and a fixed step (8 MB), plus the young
 * generation's size; 25 % is about where the step takes over at the dispatcher's live size under
 * load, so a lower figure would buy nothing. It lowers the peak for a little more CPU per
 * delivery (docs/performance.md, "Figures behind choices in the code"). The flag is read at
 * every collection, so setting it at start-up takes effect.
 */
export const HEAP_GROWING_PERCENT = 25;

export function limitHeapGrowth(execArgv = process.execArgv): void {
  if (execArgv.some((arg) => arg.startsWith('--heap-growing-percent'))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
