import { CallbackAddress } from '@app/events';

export type InboundCallbackStatus = 'open' | 'closed' | 'expired';

/** An inbound callback URL and how to answer it, as stored. */
export interface InboundCallback {
  id: string;
  state: string;
  callbackUrl: string;
  responseType: 'response' | 'redirect';
  responseCode: number;
  responseBody?: string;
  responseHeaders?: Record<string, string>;
  responseRedirectUrl?: string;
  allowMultipleCalls: boolean;
  retryableAfterError: boolean;
  stateQueryParameter?: string;
  alternativeDomain?: string;
  bodySchema?: Record<string, unknown>;
  querySchema?: Record<string, unknown>;
  headersSchema?: Record<string, unknown>;
  /** Asked at call time what to answer; `fallback` says whether an answer was configured for when it fails (else 502). */
  responseHandler?: { uri: string; timeoutMs: number; fallback: boolean };
  redirectAppendQuery?: boolean;
  callbackAddresses: CallbackAddress[];
  /** Epoch ms; after it the URL answers 404. */
  expiresAt?: number;
  signalOnCall?: { transferProcessId?: string; contractNegotiationId?: string; signal: string };
  createdAt: number;
}

/** One call to the URL, as captured (bodies as they came, sensitive headers redacted). */
export interface CapturedCall {
  receivedAt: number;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  contentType?: string;
  /** The body's size in bytes when the stored `body` is only its beginning (the event has all of it). */
  truncatedFrom?: number;
  /** `accepted`: answered as configured; `rejected`: the body, query or headers failed their schema (400). */
  outcome: 'accepted' | 'rejected';
  problems?: string[];
}

/** A callback with its live status and what it has captured. */
export interface InboundCallbackView extends InboundCallback {
  status: InboundCallbackStatus;
  closedAt?: number;
  callCount: number;
  calls: CapturedCall[];
}
