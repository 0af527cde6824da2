import http from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A minimal OAuth2 authorization server for the client-credentials grant: it checks the client's
 * HTTP Basic credentials, issues opaque tokens that expire after `lifetimeS`, and can revoke
 * them. `valid(token)` is what a resource server behind it would ask.
 */
export class OAuth2Server {
  readonly requests: { clientId: string; scope?: string; audience?: string }[] = [];
  private readonly tokens = new Map<string, number>();
  private server?: http.Server;

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
    public lifetimeS: number,
  ) {}

  static async start(clientId: string, clientSecret: string, lifetimeS: number): Promise<OAuth2Server> {
    const server = new OAuth2Server(clientId, clientSecret, lifetimeS);
    server.server = http.createServer((req, res) => server.handle(req, res));
    await new Promise<void>((resolve) => server.server!.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get tokenUrl(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/token`;
  }

  valid(authorization: string | undefined): boolean {
    const token = authorization?.replace(/^Bearer /, '');
    const expires = token ? this.tokens.get(token) : undefined;
    return expires !== undefined && expires > Date.now();
  }

  revokeAll(): void {
    this.tokens.clear();
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const [id, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
        .toString('utf8')
        .split(':')
        .map(decodeURIComponent);
      const answer = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url !== '/token' || form.get('grant_type') !== 'client_credentials') return answer(400, { error: 'unsupported_grant_type' });
      if (id !== this.clientId || secret !== this.clientSecret) return answer(401, { error: 'invalid_client' });
      this.requests.push({ clientId: id, scope: form.get('scope') ?? undefined, audience: form.get('audience') ?? undefined });
      const token = `token-${this.requests.length}`;
      this.tokens.set(token, Date.now() + this.lifetimeS * 1000);
      answer(200, { access_token: token, token_type: 'Bearer', expires_in: this.lifetimeS });
    });
  }
}
