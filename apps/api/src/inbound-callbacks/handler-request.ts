import http from 'node:http';
import https from 'node:https';
import { OutboundAgents } from '@app/delivery';

/** What a response handler answered. */
export interface HandlerReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface HandlerRequest {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Bytes of the reply read at most; a longer reply is an error (the caller gets the fallback). */
  readLimit: number;
}

/** The handler took longer than its `timeoutMs`, or answered more than it may. */
export class HandlerFailed extends Error {}

/**
 * The one outbound HTTP call of inbound callbacks: a `POST` of `body` to a response handler,
 * through `agents` (direct with the address policy's guard, or through the egress proxy), with one timer over the whole exchange and the reply read whole (up to
 * `readLimit`). Redirects are not followed: a 3xx is the handler's answer. Everything that
 * reaches a handler goes through here.
 */
export function sendHandlerRequest(uri: string, agents: OutboundAgents, request: HandlerRequest): Promise<HandlerReply> {
  const url = new URL(uri);
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err: Error | null, reply?: HandlerReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (reply) resolve(reply);
      else reject(err);
    };
    const req = (secure ? https : http).request(url, {
      method: 'POST',
      agent: agents.agentFor(url),
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
    });
    const timer = setTimeout(() => {
      settle(new HandlerFailed(`no answer within ${request.timeoutMs} ms`));
      req.destroy();
    }, request.timeoutMs);
    req.on('error', (err) => settle(err));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.readLimit) {
          settle(new HandlerFailed(`answered more than ${request.readLimit} bytes`));
          req.destroy();
        } else chunks.push(chunk);
      });
      res.on('end', () => settle(null, { status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (err) => settle(err));
    });
    req.end(request.body);
  });
}
