import { execFile } from 'node:child_process';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Call {
  webhookId: string;
  transferProcessId: string;
  uri: string;
  remotePort: number;
  /** The process whose socket sent it (undefined if `ss` did not see the socket). */
  pid?: number;
  receivedAt: number;
  /** When the answer was fully written; undefined while in flight or if the client went away first. */
  answeredAt?: number;
  /** The client closed the connection before the answer was written. */
  abandoned: boolean;
}

/**
 * A receiver that answers 200 after `delayMs`, records when each answer went out, and
 * attributes every call to the process that sent it (the owner of the client port, by `ss`,
 * looked up while the request is still open).
 */
export class AttributingReceiver {
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

  /** Calls received and not yet answered. */
  inFlight(): Call[] {
    return this.calls.filter((c) => c.answeredAt === undefined && !c.abandoned);
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
          uri: `${this.url}${req.url}`,
          remotePort: req.socket.remotePort!,
          receivedAt: Date.now(),
          abandoned: false,
        };
        this.calls.push(call);
        res.on('close', () => {
          if (!res.writableFinished) call.abandoned = true;
        });
        void Promise.all([
          new Promise((r) => setTimeout(r, this.delayMs)),
          this.ownerOf(call.remotePort).then((pid) => (call.pid = pid)),
        ]).then(() => {
          if (res.destroyed) return;
          res.writeHead(200);
          res.end('ok', () => (call.answeredAt = Date.now()));
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

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
