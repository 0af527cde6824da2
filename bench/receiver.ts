import http from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * The callback receiver of the delivery bench, run as its own process (forked by
 * receiver-handle.ts) so that it does not share an event loop with the load it measures: plain
 * node http servers on 127.0.0.1, keep-alive on, one per port, answering `200 ok` when a request
 * has arrived (after `delayMs`, to play a slow receiver). Each port is an endpoint of its own
 * (the dispatcher's per-host limits see distinct hosts). It counts receipts per port by
 * `webhook-id` (duplicates apart) and, for the first receipt of each id, the latency
 * `Date.now() - envelope.at`. Configured by BENCH_RECEIVER (JSON ReceiverOptions), driven over
 * the IPC channel.
 */

export interface ReceiverOptions {
  /** How many ports to listen on. */
  ports: number;
  /** Answer this long after the request has arrived. */
  delayMs?: number;
  /** Indexes of ports that read each request and never answer it (a dead endpoint). */
  deadPorts?: number[];
  /** Answer 500 to the first request of each `webhook-id`, 200 to later ones. */
  failFirst?: boolean;
  /** Answer 503 to every request whose body contains this text (one object's events, say). */
  failBodiesWith?: string;
}

export interface PortStats {
  /** Distinct `webhook-id`s received. */
  unique: number;
  /** Receipts of an id already received. */
  duplicates: number;
  /** Requests without a `webhook-id` header. */
  withoutId: number;
  /** Epoch ms of the first and the last first-receipt. */
  firstAt: number;
  lastAt: number;
  bodyBytes: number;
}

export interface ReceiverStats {
  ports: PortStats[];
  /** Receipt latency (ms) of each first receipt, all ports: Date.now() on arrival minus the envelope's `at`. */
  latencies: number[];
}

export type ReceiverCommand = { type: 'reset' } | { type: 'expect'; count: number; ports?: number[] } | { type: 'stats' };

export type ReceiverReply =
  { type: 'listening'; ports: number[] } | { type: 'reset' } | { type: 'reached'; count: number } | ({ type: 'stats' } & ReceiverStats);

async function main(): Promise<void> {
  const options = JSON.parse(process.env.BENCH_RECEIVER ?? '{"ports":1}') as ReceiverOptions;
  const send = (reply: ReceiverReply) => process.send!(reply);
  const dead = new Set(options.deadPorts ?? []);
  // Ids are remembered across ports: the dispatcher sends one event to one endpoint only.
  let seen = new Set<string>();
  let ports: PortStats[] = [];
  let latencies: number[] = [];
  let expected: { count: number; ports: number[] } | undefined;
  const reset = () => {
    seen = new Set();
    ports = Array.from({ length: options.ports }, () => ({ unique: 0, duplicates: 0, withoutId: 0, firstAt: 0, lastAt: 0, bodyBytes: 0 }));
    latencies = [];
    expected = undefined;
  };
  const reachedExpected = () => {
    if (!expected) return;
    const total = expected.ports.reduce((sum, p) => sum + ports[p].unique, 0);
    if (total < expected.count) return;
    send({ type: 'reached', count: total });
    expected = undefined;
  };
  reset();

  const serve = (index: number) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const now = Date.now();
      const stats = ports[index];
      const id = req.headers['webhook-id'];
      const first = typeof id === 'string' && !seen.has(id);
      const body = Buffer.concat(chunks);
      if (typeof id !== 'string') stats.withoutId++;
      else if (!first) stats.duplicates++;
      else {
        seen.add(id);
        stats.bodyBytes += body.length;
        try {
          const at = Number((JSON.parse(body.toString('utf8')) as { at?: unknown }).at);
          if (Number.isFinite(at)) latencies.push(now - at);
        } catch {
          // not an envelope: no latency for it
        }
        if (stats.unique === 0) stats.firstAt = now;
        stats.unique++;
        stats.lastAt = now;
        reachedExpected();
      }
      if (dead.has(index)) return;
      const refused = options.failBodiesWith !== undefined && body.includes(options.failBodiesWith);
      const status = refused ? 503 : options.failFirst && first ? 500 : 200;
      const answer = () => {
        res.writeHead(status, { 'content-type': 'text/plain', 'content-length': '2' });
        res.end('ok');
      };
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
  };

  const servers = Array.from({ length: options.ports }, (_, i) => {
    const server = http.createServer(serve(i));
    server.keepAliveTimeout = 60_000;
    server.headersTimeout = 65_000;
    // A dead endpoint's requests stay open until the caller gives up, however long that is.
    server.requestTimeout = 0;
    return server;
  });
  const listening = await Promise.all(
    servers.map(
      (server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
    ),
  );

  process.on('message', (command: ReceiverCommand) => {
    if (command.type === 'reset') {
      reset();
      send({ type: 'reset' });
    } else if (command.type === 'expect') {
      expected = { count: command.count, ports: command.ports ?? ports.map((_, i) => i) };
      reachedExpected();
    } else if (command.type === 'stats') {
      send({ type: 'stats', ports, latencies });
    }
  });
  // The bench went away: so do we (and every request still open with us).
  process.on('disconnect', () => process.exit(0));
  send({ type: 'listening', ports: listening });
}

if (require.main === module) void main();
