import type { IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createOutboundAgents, DeliverySigner, OutboundAgents } from '@app/delivery';
import { AddressPolicy, APP_CONFIG, AppConfig } from '@app/platform';
import { CapturedCall, InboundCallback } from './inbound-callback';
import { sendHandlerRequest } from './handler-request';
import { FRAMING } from './response-headers';

/** Largest answer taken from a handler: it becomes the answer to an anonymous caller, read whole. */
const MAX_HANDLER_REPLY_BYTES = 1024 * 1024;

/** The answer a response handler gave, passed on to the caller as it is. */
export interface HandlerAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Grexx's "callback response handler": the system asked, at call time, what to answer. It gets
 * the call as Grexx hands it to its handler case (`requestMethod`, `requestHeaders`,
 * `requestQuery`, `requestBody`) with the configured answer (`responseType`, `responseCode`,
 * ...), as JSON in a `POST` signed like a delivery (Standard Webhooks headers, with
 * `CALLBACK_SIGNING_SECRET`), and its status, headers and body are the answer (a 3xx with its
 * `Location` is a redirect). Its address is checked as callbacks' are: a literal private
 * address at creation, a name after DNS resolution here (the agents' lookup), or before the egress proxy is asked.
 */
@Injectable()
export class ResponseHandlerClient implements OnModuleDestroy {
  private readonly logger = new Logger('ResponseHandler');
  private readonly agents: OutboundAgents;

  constructor(
    private readonly signer: DeliverySigner,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.agents = createOutboundAgents({ proxy: config.proxy, policy: new AddressPolicy(config.allowedHosts) });
  }

  onModuleDestroy(): void {
    this.agents.destroy();
  }

  /** The handler's answer to `call`, or null when it failed or took too long (the caller then gets the fallback). */
  async ask(callback: InboundCallback, call: CapturedCall): Promise<HandlerAnswer | null> {
    const handler = callback.responseHandler!;
    const id = `msg_${randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      callbackId: callback.id,
      state: callback.state,
      requestMethod: call.method,
      requestHeaders: call.headers,
      requestQuery: call.query,
      requestBody: call.body,
      requestBodyEncoding: call.bodyEncoding,
      responseType: callback.responseType,
      responseCode: callback.responseCode,
      responseBody: callback.responseBody,
      responseHeaders: callback.responseHeaders,
      responseRedirectUrl: callback.responseRedirectUrl,
    });
    const signature = this.signer.signature({ uri: handler.uri }, id, timestamp, body);
    try {
      const reply = await sendHandlerRequest(handler.uri, this.agents, {
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          ...(signature ? { 'webhook-signature': signature } : {}),
        },
        body,
        timeoutMs: handler.timeoutMs,
        readLimit: MAX_HANDLER_REPLY_BYTES,
      });
      return { status: reply.status, headers: passedOn(reply.headers), body: reply.body };
    } catch (err) {
      this.logger.warn(`Callback ${callback.id}: response handler failed: ${(err as Error).message}`);
      return null;
    }
  }
}

/** The handler's headers the caller gets: all but those that frame the message or the connection (Node sets them). */
function passedOn(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !FRAMING.has(name) && name !== 'set-cookie') out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
