import type { Cluster, Redis } from 'ioredis';

/** How long a resend waits for the connection to be back before it is tried anyway. */
const RESEND_WAIT_MS = 2000;

/**
 * Whether `err` is ioredis' abort of a command whose connection closed after it was sent: the
 * unanswered rest of a pipeline whose first commands were answered. ioredis resends a plain
 * command that was unanswered when its connection closed, but never these, so their outcome is
 * unknown to the caller.
 */
export function abortedByClose(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith(ABORTED_BY_CLOSE);
}

/** The message of ioredis' abort (redis-errors' AbortError). */
export const ABORTED_BY_CLOSE = 'Command aborted due to connection close';

/**
 * `send()`, sent again once the connection is back when ioredis aborted it (`abortedByClose`),
 * as ioredis does for a plain command. Only for writes that may be sent twice: a script that
 * carries its write token answers a resend of a write it already made as it answered the first
 * (scripts/write-tokens.lua), so the caller learns that the change was made rather than a 503.
 * A second failure is the caller's, as any.
 */
export async function resendIfAborted<T>(client: Redis | Cluster, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (!abortedByClose(err)) throw err;
    await ready(client, RESEND_WAIT_MS);
    return send();
  }
}

function ready(client: Redis | Cluster, waitMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, waitMs);
    client.once('ready', done);
  });
}
