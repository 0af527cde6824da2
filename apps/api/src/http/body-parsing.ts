import { json, raw } from 'body-parser';
import bytes from 'bytes';
import { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { EdcException } from './edc-error';

/** The routes that keep bodies of any type as they came (inbound callback URLs). */
const RAW_BODY_ROUTES = new Set(['/cb/:state', '/cbq/:param']);
const JSON_TYPES = ['application/json', 'application/ld+json', 'application/*+json'];

type Middleware = (req: unknown, res: unknown, next: (err?: unknown) => void) => void;

/**
 * How the api reads request bodies, on Fastify: body-parser (what Express used) reads the raw
 * request, so the limit, the charsets, gzip and deflate, and the strict JSON top level are as
 * they were. Inbound callback URLs get the raw bytes of any type; every other route reads JSON
 * and JSON-LD, and a body of another type is left unread (no body), as Express did. Fastify
 * would answer an unknown type with 415 and parse JSON itself, so its own parsers are removed.
 * Plain JSON, nearly every request, takes a shorter way to the same answer (`readPlainJson`).
 */
export function registerBodyParsing(fastify: FastifyInstance, limit: string): void {
  const rawParser = raw({ type: () => true, limit }) as Middleware;
  const jsonParser = json({ limit, type: JSON_TYPES }) as Middleware;
  // raw-body would parse a limit given as text on every read.
  const limitBytes = bytes.parse(limit);
  if (limitBytes === null) throw new Error(`The body limit ${limit} is not a size`);
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request: FastifyRequest, _payload, done) => {
    const rawBody = RAW_BODY_ROUTES.has(request.routeOptions.url ?? '');
    const req = request.raw as typeof request.raw & { body?: unknown };
    const parsed = (err: unknown, body: unknown) => {
      if (err) return done(bodyError(err, limit));
      // Validation and JSON-LD handling walk bodies recursively: a few thousand nested arrays
      // would overflow the stack there (a 500), so such a body is refused here, without recursion.
      if (!rawBody && exceedsDepth(body, MAX_JSON_DEPTH))
        return done(refusal(400, `The request body is nested deeper than ${MAX_JSON_DEPTH} levels`));
      done(null, body);
    };
    if (!rawBody && isPlainJson(req.headers)) return readPlainJson(req, limitBytes, parsed);
    (rawBody ? rawParser : jsonParser)(req, undefined, (err) => parsed(err, req.body));
  });
}

const PLAIN_JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

/**
 * What clients almost always send: JSON in UTF-8, not compressed, with its length. Such a body
 * is read with raw-body and parsed as body-parser's strict JSON parser does, without its type
 * and charset parsing (docs/performance.md, "The fourth pass"); any other (other types,
 * charsets, encodings, no length) goes through body-parser. Both answer the same:
 * test/body-parsing.int-spec.ts compares them.
 */
function isPlainJson(headers: IncomingHttpHeaders): boolean {
  const type = headers['content-type'];
  return (
    type !== undefined &&
    headers['content-length'] !== undefined &&
    headers['content-encoding'] === undefined &&
    headers['transfer-encoding'] === undefined &&
    PLAIN_JSON_TYPES.has(type.toLowerCase())
  );
}

function readPlainJson(req: IncomingMessage, limit: number, parsed: (err: unknown, body?: unknown) => void): void {
  getRawBody(req, { length: req.headers['content-length'], limit, encoding: 'utf-8' }, (err, text) => {
    if (err) return parsed(err);
    let body: unknown;
    try {
      body = parseStrictJson(text);
    } catch (parseErr) {
      return parsed({ type: 'entity.parse.failed', message: (parseErr as Error).message });
    }
    parsed(null, body);
  });
}

const FIRST_NON_WHITESPACE = /^[ \t\n\r]*([^ \t\n\r])/;

/**
 * body-parser's strict JSON: an empty body reads as `{}`, and only an object or an array may be
 * at the top (its error message, position included, as body-parser makes it).
 */
function parseStrictJson(text: string): unknown {
  if (text.length === 0) return {};
  if (text[0] !== '{' && text[0] !== '[') {
    const first = FIRST_NON_WHITESPACE.exec(text)?.[1];
    if (first !== '{' && first !== '[') throw strictViolation(text, first);
  }
  return JSON.parse(text);
}

/**
 * The error JSON.parse gives for `text` with everything from its first character on replaced by
 * `#`, the placeholders then given back their characters: how body-parser reports a strict violation.
 */
function strictViolation(text: string, first: string | undefined): Error {
  const index = first === undefined ? -1 : text.indexOf(first);
  try {
    JSON.parse(index === -1 ? '' : text.substring(0, index) + '#'.repeat(text.length - index));
    return new SyntaxError('strict violation');
  } catch (err) {
    const message = (err as Error).message.replace(/#+/g, (placeholder) => text.substring(index, index + placeholder.length));
    return new SyntaxError(message);
  }
}

/** body-parser's failures as EDC errors: 413 for a body over the limit, 400 for malformed JSON. */
function bodyError(err: unknown, limit: string): Error {
  const { type, message } = err as { type?: string; message?: string };
  switch (type) {
    case 'entity.too.large':
      return refusal(413, `The request body is larger than the limit of ${limit}`);
    case 'entity.parse.failed':
      // Only the position: the parser's message quotes the body, which may hold a secret.
      return refusal(400, `The request body is not valid JSON${jsonErrorPosition(message)}`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return refusal(415, message ?? 'Unsupported body encoding');
    case 'request.aborted':
      return refusal(400, 'The request was aborted');
    default:
      return err as Error;
  }
}

/**
 * An EDC error that also carries Fastify's `statusCode`: a plugin with an error handler of its
 * own (Bull Board's) reads the status from there, and would otherwise answer 500.
 */
function refusal(status: number, message: string): Error {
  return Object.assign(EdcException.invalidRequest(message, status), { statusCode: status });
}

function jsonErrorPosition(message: string | undefined): string {
  const position = /position (\d+)/.exec(message ?? '');
  return position ? ` (at position ${position[1]})` : '';
}

/** Deeper than any real EDC body (ODRL policies nest a dozen levels at most). */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether `value` nests objects or arrays deeper than `maxDepth` (walked without recursion, and
 * without a pair or a values array per node: every request body is walked).
 */
export function exceedsDepth(value: unknown, maxDepth: number): boolean {
  const nodes: unknown[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop();
    const depth = depths.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > maxDepth) return true;
    if (Array.isArray(node)) {
      for (const child of node)
        if (child !== null && typeof child === 'object') {
          nodes.push(child);
          depths.push(depth + 1);
        }
    } else {
      for (const key in node) {
        const child = (node as Record<string, unknown>)[key];
        if (child !== null && typeof child === 'object') {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}
