import { ErrorRequestHandler, json } from 'express';
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
