import http from 'node:http';
import https from 'node:https';
import { perUri } from '@app/events';

/** What came back from one POST: the status, `Retry-After`, and the first bytes of the reply. */
export interface PostReply {
  status: number;
  retryAfter?: string;
  head: Buffer;
}

/** The whole attempt (connect, send, reply up to the bytes read) took longer than allowed. */
export class AttemptTimeoutError extends Error {
  readonly code = 'ERR_CALLBACK_ATTEMPT_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`Timed out after ${timeoutMs} ms`);
    this.name = 'AttemptTimeoutError';
  }
}

export interface PostOptions {
  /** The keep-alive agent for `uri` (`OutboundAgents.agentFor`): direct or through the proxy. */
  agent: http.Agent;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Bytes of the reply to read at most; a longer reply is cut off (its socket is not reused). */
  readLimit: number;
}

/** Where a POST to `uri` goes, as `http.request` takes it; parsed once per URI. */
const targetOf = perUri((uri) => {
  const url = new URL(uri);
  const where: http.RequestOptions = {
    protocol: url.protocol,
    // An IPv6 literal comes bracketed in a URL, not in a host name.
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port,
    path: url.pathname + url.search,
    // Credentials in the URI are sent as basic auth, as browsers and axios do.
    auth: url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
  };
  return { secure: url.protocol === 'https:', where };
});

/**
 * One POST of `body` to `uri` with Node's own HTTP client, over the given keep-alive agent
 * (which holds the SSRF guard, and the proxy when there is one). Redirects are never followed (Node's client follows
 * none); one timer bounds the whole attempt. It rejects with the transport's error (connect
 * refused, reset, the guard's refusal) or an AttemptTimeoutError.
 *
 * Why not axios, which sent before: per attempt, axios' config merge, header objects and its
 * http adapter cost several times what this does (docs/performance.md, "Figures behind choices
 * in the code"), and the hot path makes one attempt per delivery.
 */
export function postWithDeadline(uri: string, body: string, options: PostOptions): Promise<PostReply> {
  const { secure, where } = targetOf(uri);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fail: unknown, reply?: PostReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (reply) resolve(reply);
      else reject(fail);
    };
    // No leading spread followed by new keys: on Node 20 that is V8's slow path
    // (docs/performance.md, "The fourth pass").
    const request = (secure ? https : http).request({
      method: 'POST',
      agent: options.agent,
      headers: Object.assign({}, options.headers, { 'content-length': String(Buffer.byteLength(body)) }),
      ...where,
    });
    const timer = setTimeout(() => {
      settle(new AttemptTimeoutError(options.timeoutMs));
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (err) => settle(err));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        settle(undefined, {
          status: response.statusCode ?? 0,
          retryAfter: response.headers['retry-after'],
          head: Buffer.concat(chunks, size).subarray(0, options.readLimit),
        });
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size < options.readLimit) return;
        done();
        response.destroy();
      });
      response.on('end', done);
      response.on('error', (err) => settle(err));
      // Closed before its end without an error event: the reply was cut off. Every reply closes,
      // so the error (its stack trace is costly) is made only then.
      response.on('close', () => {
        if (!settled) settle(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      });
    });
    request.end(body);
  });
}
