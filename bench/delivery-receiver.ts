import http from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * The callback receiver of the delivery bench, run as its own process (forked by
 * delivery.bench.ts) so that it does not share an event loop with the load it measures: a plain
 * node http server on 127.0.0.1, keep-alive on, answering 200 with a two-byte body as soon as a
 * request has arrived. It counts receipts by `webhook-id` (duplicates apart) and, for the first
 * receipt of each id, the latency `Date.now() - envelope.at`. Driven over the IPC channel.
 */

export type ReceiverCommand = { type: 'reset' } | { type: 'expect'; count: number } | { type: 'stats' };

export interface ReceiverStats {
  /** Distinct `webhook-id`s received. */
  unique: number;
  /** Receipts of an id already received. */
  duplicates: number;
  /** Requests without a `webhook-id` header. */
  withoutId: number;
  /** Epoch ms of the first and the last first-receipt. */
  firstAt: number;
  lastAt: number;
  /** Receipt latency (ms) of each first receipt: Date.now() on arrival minus the envelope's `at`. */
  latencies: number[];
  /** Mean request body size in bytes. */
  meanBodyBytes: number;
}

export type ReceiverReply =
  | { type: 'listening'; port: number }
  | { type: 'reset' }
  | { type: 'reached'; count: number }
  | ({ type: 'stats' } & ReceiverStats);

function main(): void {
  const send = (reply: ReceiverReply) => process.send!(reply);
  let seen = new Set<string>();
  let stats: ReceiverStats;
  let bodyBytes = 0;
  let expected = Infinity;
  const reset = () => {
    seen = new Set<string>();
    stats = { unique: 0, duplicates: 0, withoutId: 0, firstAt: 0, lastAt: 0, latencies: [], meanBodyBytes: 0 };
    bodyBytes = 0;
    expected = Infinity;
  };
  reset();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const now = Date.now();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
      const id = req.headers['webhook-id'];
      if (typeof id !== 'string') {
        stats.withoutId++;
        return;
      }
      if (seen.has(id)) {
        stats.duplicates++;
        return;
      }
      seen.add(id);
      const body = Buffer.concat(chunks);
      bodyBytes += body.length;
      let at = NaN;
      try {
        at = Number((JSON.parse(body.toString('utf8')) as { at?: unknown }).at);
      } catch {
        // not an envelope: no latency for it
      }
      if (Number.isFinite(at)) stats.latencies.push(now - at);
      if (stats.unique === 0) stats.firstAt = now;
      stats.unique++;
      stats.lastAt = now;
      if (stats.unique === expected) send({ type: 'reached', count: expected });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;

  process.on('message', (command: ReceiverCommand) => {
    if (command.type === 'reset') {
      reset();
      send({ type: 'reset' });
    } else if (command.type === 'expect') {
      expected = command.count;
      if (stats.unique >= expected) send({ type: 'reached', count: expected });
    } else if (command.type === 'stats') {
      send({ type: 'stats', ...stats, meanBodyBytes: stats.unique ? Math.round(bodyBytes / stats.unique) : 0 });
    }
  });
  // The bench went away: so do we.
  process.on('disconnect', () => process.exit(0));
  server.listen(0, '127.0.0.1', () => send({ type: 'listening', port: (server.address() as AddressInfo).port }));
}

if (require.main === module) main();
