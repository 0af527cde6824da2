import { PROTOTYPE_KEYS } from './prototype-keys';

/**
 * The limits and name rules of a callback address, shared by request validation (the DTOs) and
 * by the start-up check of static callbacks (`EDC_CALLBACK_<ID>_*`). docs/delivery.md, "Limits
 * at the source", lists them.
 */

/**
 * Callback addresses per negotiation, transfer or inbound callback. EDC users send a handful;
 * each address is one delivery job per event, so an unbounded list multiplies every event.
 */
export const MAX_CALLBACK_ADDRESSES = 20;
/** Filters per address. There are fewer than 20 event names, and filters match by prefix. */
export const MAX_EVENT_FILTERS = 32;
/** Characters per filter; the longest event name is under 40. */
export const MAX_EVENT_FILTER_LENGTH = 128;
/** Characters of an `authKey` header name. */
export const MAX_AUTH_KEY_LENGTH = 256;
/** Characters of an `authCodeId` secret alias. */
export const MAX_AUTH_CODE_ID_LENGTH = 256;

/** RFC 7230 `token`: one or more `tchar`. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Header names an `authKey` may not take: the ones that frame the request or steer the
 * connection (a secret there breaks or smuggles the request), the body's own description, and
 * the ones this service sets on every delivery (the secret would replace them).
 */
export const RESERVED_AUTH_KEYS: readonly string[] = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'content-type',
  'content-encoding',
  'x-event-sequence',
];
/** Prefixes of reserved names: `proxy-*` (hop-by-hop) and `webhook-*` (Standard Webhooks headers). */
export const RESERVED_AUTH_KEY_PREFIXES: readonly string[] = ['proxy-', 'webhook-'];

/** Aliases that name a property of every JavaScript object rather than a secret. */
const RESERVED_ALIASES = PROTOTYPE_KEYS;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why a list of event filters is too large, or null. What is not a list of strings is left to
 * the type checks, so each problem is reported once.
 */
export function eventFiltersProblem(filters: unknown): string | null {
  if (!Array.isArray(filters)) return null;
  if (filters.length > MAX_EVENT_FILTERS) return `must hold at most ${MAX_EVENT_FILTERS} filters`;
  if (filters.some((f) => typeof f === 'string' && f.length > MAX_EVENT_FILTER_LENGTH))
    return `must hold filters of at most ${MAX_EVENT_FILTER_LENGTH} characters`;
  return null;
}

/** Why `name` cannot be the header that carries a callback's secret, or null if it can. */
export function authKeyProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'must be a string';
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_AUTH_KEY_LENGTH) return `must be at most ${MAX_AUTH_KEY_LENGTH} characters`;
  if (!TOKEN.test(name)) return "must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)";
  const lower = name.toLowerCase();
  if (RESERVED_AUTH_KEYS.includes(lower) || RESERVED_AUTH_KEY_PREFIXES.some((p) => lower.startsWith(p)))
    return `must not be ${name}: that header frames the request or is set by the service`;
  return null;
}

/** Why `alias` cannot name a secret, or null if it can. */
export function authCodeIdProblem(alias: unknown): string | null {
  if (typeof alias !== 'string') return 'must be a string';
  if (alias.length === 0) return 'must not be empty';
  if (alias.length > MAX_AUTH_CODE_ID_LENGTH) return `must be at most ${MAX_AUTH_CODE_ID_LENGTH} characters`;
  if (CONTROL.test(alias)) return 'must not contain control characters';
  if (RESERVED_ALIASES.has(alias)) return `must not be ${alias}`;
  return null;
}
