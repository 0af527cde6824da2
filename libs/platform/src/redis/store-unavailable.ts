import { ABORTED_BY_CLOSE } from './resend-if-aborted';

/**
 * Why Redis could not take a command, when that is our side's fault rather than the caller's:
 * - `out-of-memory`: Redis refuses writes (`maxmemory` reached under `noeviction`);
 * - `unreachable`: the connection is down, or dropped under the command and did not come back
 *   in time (the command was then not resent, or its resend failed); or, on a Redis Cluster, the
 *   slot has no master serving it yet (a failover or a reshard under way, which ioredis follows
 *   for a while and then gives up on).
 * Anything else (a script bug, a wrong type) is not classified: it is a real 500.
 */
export type StoreUnavailableReason = 'out-of-memory' | 'unreachable';

const UNREACHABLE = [
  "Stream isn't writeable",
  'Connection is closed',
  'Reached the max retries per request limit',
  'connect ECONNREFUSED',
  'read ECONNRESET',
  'write EPIPE',
  'Command timed out',
  // ioredis' answer for the unanswered rest of a pipeline (auto-pipelining makes every command
  // part of one) whose first commands were answered before the connection closed: sent, outcome
  // unknown, never resent by ioredis (resend-if-aborted.ts resends the writes that may be).
  ABORTED_BY_CLOSE,
  // Redis Cluster while a replica takes over a dead master (test/cluster/failover.cluster-spec.ts):
  // the client's redirections (MOVED to the dead master, CLUSTERDOWN) run out before the
  // election ends, or a write meets a node that has just become a replica.
  'Too many Cluster redirections',
  'CLUSTERDOWN',
  'TRYAGAIN',
  'READONLY',
  "Cluster isn't ready",
  'None of startup nodes is available',
  'Failed to refresh slots cache',
];

export function storeUnavailableReason(err: unknown): StoreUnavailableReason | null {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  if (message.startsWith('OOM ')) return 'out-of-memory';
  const code = (err as { code?: unknown })?.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT') return 'unreachable';
  return UNREACHABLE.some((m) => message.includes(m)) ? 'unreachable' : null;
}

/** Seconds a client is told to wait before trying again (`Retry-After`). */
export const STORE_RETRY_AFTER_S: Record<StoreUnavailableReason, number> = { 'out-of-memory': 5, unreachable: 2 };
