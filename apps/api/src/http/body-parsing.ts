import { ErrorRequestHandler, json, RequestHandler } from 'express';
import { EdcError, single } from './edc-error';

/** JSON (and JSON-LD) bodies up to `limit`; anything larger is refused before it is read whole. */
export function jsonBodyParser(limit: string) {
  return json({ limit, type: ['application/json', 'application/ld+json', 'application/*+json'] });
}

/** body-parser's failures as EDC errors: 413 for a body over the limit, 400 for malformed JSON. */
export function bodyParsingErrorHandler(limit: string): ErrorRequestHandler {
  return (err, _req, res, next) => {
    const reply = (status: number, error: EdcError) => res.status(status).json([error]);
    switch (err?.type) {
      case 'entity.too.large':
        return reply(413, single(`The request body is larger than the limit of ${limit}`, 'InvalidRequest'));
      case 'entity.parse.failed':
        // Only the position: the parser's message quotes the body, which may hold a secret.
        return reply(400, single(`The request body is not valid JSON${jsonErrorPosition(err.message)}`, 'InvalidRequest'));
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return reply(415, single(err.message, 'InvalidRequest'));
      case 'request.aborted':
        return reply(400, single('The request was aborted', 'InvalidRequest'));
      default:
        return next(err);
    }
  };
}

function jsonErrorPosition(message: string): string {
  const position = /position (\d+)/.exec(message ?? '');
  return position ? ` (at position ${position[1]})` : '';
}

/** Deeper than any real EDC body (ODRL policies nest a dozen levels at most). */
export const MAX_JSON_DEPTH = 64;

/**
 * Refuses JSON nested deeper than `maxDepth` with 400: validation and JSON-LD handling walk
 * bodies recursively, and a body of a few thousand nested arrays would otherwise overflow the
 * stack (a 500). Checked without recursion, so the check itself cannot overflow.
 */
export function jsonDepthGuard(maxDepth = MAX_JSON_DEPTH): RequestHandler {
  return (req, res, next) => {
    if (!Buffer.isBuffer(req.body) && exceedsDepth(req.body, maxDepth))
      return res.status(400).json([single(`The request body is nested deeper than ${maxDepth} levels`, 'InvalidRequest')]);
    next();
  };
}

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
