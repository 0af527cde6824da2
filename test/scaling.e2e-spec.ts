import { execFile } from 'node:child_process';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import request from 'supertest';
import { AppConfig, QUEUE } from '@app/platform';
import { API_KEY, dropKeys, openQueue, startApi, testConfig, testEnv, transferRequest, waitUntil } from './support/harness';
import { AppProcess, spawnApp, stopApp } from './support/processes';

/**
 * Two dispatcher processes on one queue share the work: every event is delivered, none twice,
 * and both delivered some. Which process made a call is read from the operating system: the
 * receiver notes the client port of each request and `ss` names the process that owns it.
 */

const TRANSFERS = 200;
const REPLY_DELAY_MS = 20;

const run = promisify(execFile);

interface Call {
  webhookId: string;
  transferProcessId: string;
  remotePort: number;
  /** The process whose socket sent it (undefined if `ss` did not see the socket). */
  pid?: number;
  at: number;
}

/**
 * A receiver that answers 200 after `delayMs` and attributes every call to the process that
 * sent it. The owner of the client port is looked up while the request is still open (the
 * answer waits for it), so the socket is certainly alive when `ss` lists it.
 */
class AttributingReceiver {
  readonly calls: Call[] = [];
  private server?: http.Server;
  private pending = new Map<number, ((pid: number | undefined) => void)[]>();
  private lookingUp?: Promise<void>;

  constructor(private readonly delayMs: number) {}

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const call: Call = {
          webhookId: String(req.headers['webhook-id']),
          transferProcessId: json.payload?.transferProcessId,
          remotePort: req.socket.remotePort!,
          at: Date.now(),
        };
        this.calls.push(call);
        void Promise.all([
          new Promise((r) => setTimeout(r, this.delayMs)),
          this.ownerOf(call.remotePort).then((pid) => (call.pid = pid)),
        ]).then(() => {
          res.writeHead(200);
          res.end('ok');
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The pid owning the client socket with local port `port` connected to this receiver; lookups are batched. */
  private ownerOf(port: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      this.pending.set(port, [...(this.pending.get(port) ?? []), resolve]);
      this.lookingUp ??= this.lookUp().finally(() => (this.lookingUp = undefined));
    });
  }

  private async lookUp(): Promise<void> {
    while (this.pending.size > 0) {
      const batch = this.pending;
      this.pending = new Map();
      const owners = await clientSocketOwners(this.port).catch(() => new Map<number, number>());
      for (const [port, resolvers] of batch) for (const resolve of resolvers) resolve(owners.get(port));
    }
  }
}

/** Local port -> pid of every TCP socket connected to `serverPort` on this machine (`ss -tnp`). */
async function clientSocketOwners(serverPort: number): Promise<Map<number, number>> {
  const { stdout } = await run('ss', ['-Htnp', 'dport', '=', `:${serverPort}`]);
  const owners = new Map<number, number>();
  for (const line of stdout.split('\n')) {
    const columns = line.trim().split(/\s+/);
    const pid = /pid=(\d+)/.exec(line);
    if (columns.length < 5 || !pid) continue;
    owners.set(Number(columns[3].slice(columns[3].lastIndexOf(':') + 1)), Number(pid[1]));
  }
  return owners;
}

describe('two dispatcher processes on one queue', () => {
  let env: NodeJS.ProcessEnv;
  let config: AppConfig;
  let api: INestApplication;
  let deliveries: Queue;
  const receiver = new AttributingReceiver(REPLY_DELAY_MS);
  let first: AppProcess | undefined;
  let second: AppProcess | undefined;

  beforeAll(async () => {
    // Manual mode: each transfer emits exactly one event (TransferProcessInitiated).
    env = testEnv({ COUNTERPARTY_MODE: 'manual', DISPATCH_LOCK_DURATION_MS: '2000', DISPATCHER_PORT: '0' });
    config = testConfig(env as Record<string, string>);
    await receiver.start();
    api = await startApi(config);
    deliveries = openQueue(config, QUEUE.deliveries);
  });

  afterAll(async () => {
    await stopApp(first, 'SIGKILL');
    await stopApp(second, 'SIGKILL');
    await api?.close();
    await deliveries?.close();
    await receiver.close();
    await dropKeys(config);
  });

  it('deliver every event once between them, both doing some of the work, and stop with exit code 0', async () => {
    [first, second] = await Promise.all([spawnApp('dispatcher', env), spawnApp('dispatcher', env)]);
    const pids = [first.child.pid!, second.child.pid!];

    // Created 10 at a time; one callback URI per transfer, so no endpoint's bulkhead is the limit.
    const transferIds: string[] = [];
    for (let i = 0; i < TRANSFERS; i += 10) {
      const created = await Promise.all(
        Array.from({ length: Math.min(10, TRANSFERS - i) }, (_, j) =>
          request(api.getHttpServer())
            .post('/management/v3/transferprocesses')
            .set('x-api-key', API_KEY)
            .send(transferRequest({ callbackAddresses: [{ uri: `${receiver.url}/t/${i + j}`, events: ['transfer.process'] }] }))
            .expect(200),
        ),
      );
      transferIds.push(...created.map((res) => res.body['@id'] as string));
    }

    const arrived = () => new Set(receiver.calls.map((c) => c.transferProcessId));
    await waitUntil(() => transferIds.every((id) => arrived().has(id)), 40_000, `all ${TRANSFERS} events at the receiver`);
    // Every job recorded as completed; then a moment for a late duplicate to show up.
    await waitUntil(async () => (await deliveries.getJobCounts('completed')).completed === TRANSFERS, 10_000, 'every delivery job completed');
    await new Promise((r) => setTimeout(r, 500));

    // Every event delivered, none twice.
    expect(receiver.calls).toHaveLength(TRANSFERS);
    const byWebhookId = new Map<string, number>();
    for (const call of receiver.calls) byWebhookId.set(call.webhookId, (byWebhookId.get(call.webhookId) ?? 0) + 1);
    expect([...byWebhookId.values()].filter((n) => n > 1)).toEqual([]);
    expect(byWebhookId.size).toBe(TRANSFERS);
    expect(await deliveries.getJobCounts('failed', 'active', 'wait', 'delayed')).toEqual({ failed: 0, active: 0, wait: 0, delayed: 0 });

    // Every call came from one of the two processes, and each process delivered some.
    const perProcess = new Map<number | undefined, number>();
    for (const call of receiver.calls) perProcess.set(call.pid, (perProcess.get(call.pid) ?? 0) + 1);
    expect([...perProcess.keys()].filter((pid) => !pids.includes(pid!))).toEqual([]);
    for (const pid of pids) expect(perProcess.get(pid) ?? 0).toBeGreaterThan(0);

    // A clean stop of both.
    first.child.kill('SIGTERM');
    second.child.kill('SIGTERM');
    expect(await Promise.all([first.exited, second.exited])).toEqual([0, 0]);
  }, 120_000);
});
