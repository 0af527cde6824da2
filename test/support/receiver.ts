import http from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedCall {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a received body, read freely by each test
  json: any;
  at: number;
}

export type Responder = (
  call: ReceivedCall,
  nth: number,
) => { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | 'hang';

/** A real callback receiver on a loopback address (127.0.0.1 unless told) that records every call and answers as told. */
export class Receiver {
  readonly calls: ReceivedCall[] = [];
  private server?: http.Server;
  private responder: Responder = () => ({ status: 200, body: 'ok' });
  private readonly hanging = new Set<http.ServerResponse>();

  constructor(private readonly host = '127.0.0.1') {}

  /** Listens on `host` (a loopback address such as '127.0.0.1' or '::1'); rejects if it cannot bind. */
  static async start(responder?: Responder, host = '127.0.0.1'): Promise<Receiver> {
    const receiver = new Receiver(host);
    if (responder) receiver.respond(responder);
    await receiver.listen();
    return receiver;
  }

  respond(responder: Responder): void {
    this.responder = responder;
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${(this.server!.address() as AddressInfo).port}`;
  }

  callsTo(path: string): ReceivedCall[] {
    return this.calls.filter((c) => c.path === path);
  }

  /** Polls until `predicate` holds; fails with what was received so far. */
  async waitFor(predicate: (calls: ReceivedCall[]) => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.calls)) {
      if (Date.now() > deadline)
        throw new Error(
          `Receiver timed out; got ${this.calls.length} calls: ${this.calls.map((c) => `${c.path} ${c.json?.type}`).join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private listen(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        const call: ReceivedCall = { method: req.method!, path: req.url!, headers: req.headers, body, json, at: Date.now() };
        this.calls.push(call);
        const answer = this.responder(call, this.calls.filter((c) => c.path === call.path).length);
        if (answer === 'hang') {
          this.hanging.add(res);
          return;
        }
        setTimeout(() => {
          res.writeHead(answer.status, answer.headers ?? {});
          res.end(answer.body ?? '');
        }, answer.delayMs ?? 0);
      });
    });
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, this.host, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
  }
}
