import { randomFillSync } from 'node:crypto';

import type { TraceContext } from '@app/events';

export type { TraceContext };

// version-traceId-parentId-flags; a later version may append fields after the flags.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
/** W3C: at most 32 list members; longer values are dropped rather than cut. */
const MAX_TRACESTATE = 512;

/** The trace context of request headers, or undefined when `traceparent` is absent or invalid (W3C: then start anew). */
export function traceContextOf(headers: Record<string, string | string[] | undefined>): TraceContext | undefined {
  const traceparent = single(headers.traceparent)?.trim().toLowerCase();
  if (!traceparent) return undefined;
  const parts = TRACEPARENT.exec(traceparent);
  if (!parts) return undefined;
  const [, version, traceId, spanId, , rest] = parts;
  if (version === 'ff' || (version === '00' && rest !== undefined) || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  const tracestate = single(headers.tracestate)?.trim();
  return tracestate && tracestate.length <= MAX_TRACESTATE ? { traceparent, tracestate } : { traceparent };
}

/** A new trace for an event whose request sent none (not sampled: nothing recorded it). */
export function newTraceContext(): TraceContext {
  const ids = randomIds();
  return { traceparent: `00-${ids.slice(0, 32)}-${ids.slice(32)}-00` };
}

// Random bytes drawn 256 contexts at a time, as Node's randomUUID does: a draw of 24 bytes
// alone was a system call per create (about 2 % of its CPU).
const pool = Buffer.allocUnsafe(24 * 256);
let drawn = pool.length;
function randomIds(): string {
  if (drawn === pool.length) {
    randomFillSync(pool);
    drawn = 0;
  }
  drawn += 24;
  return pool.toString('hex', drawn - 24, drawn);
}

/** The trace id of a context (32 hex). */
export function traceIdOf(trace: TraceContext): string {
  return trace.traceparent.slice(3, 35);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
