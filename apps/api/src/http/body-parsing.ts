import { json, raw } from 'body-parser';
import { FastifyInstance, FastifyRequest } from 'fastify';
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
 */
export function registerBodyParsing(fastify: FastifyInstance, limit: string): void {
  const rawParser = raw({ type: () => true, limit }) as Middleware;
  const jsonParser = json({ limit, type: JSON_TYPES }) as Middleware;
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request: FastifyRequest, _payload, done) => {
    const rawBody = RAW_BODY_ROUTES.has(request.routeOptions.url ?? '');
    const req = request.raw as typeof request.raw & { body?: unknown };
    (rawBody ? rawParser : jsonParser)(req, undefined, (err) => {
      if (err) return done(bodyError(err, limit));
      // Validation and JSON-LD handling walk bodies recursively: a few thousand nested arrays
      // would overflow the stack there (a 500), so such a body is refused here, without recursion.
      if (!rawBody && exceedsDepth(req.body, MAX_JSON_DEPTH))
        return done(refusal(400, `The request body is nested deeper than ${MAX_JSON_DEPTH} levels`));
      done(null, req.body);
    });
  });
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

/** Whether `value` nests objects or arrays deeper than `maxDepth` (walked without recursion). */
export function exceedsDepth(value: unknown, maxDepth: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
  }
  return false;
}
