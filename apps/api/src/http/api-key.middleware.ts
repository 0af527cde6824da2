import { createHash, timingSafeEqual } from 'node:crypto';
import { RequestHandler } from 'express';
import { single } from './edc-error';

/**
 * The `x-api-key` check on `/management`, `/signaling` and `/admin`. It is plain Express
 * middleware registered before the body parser, so an unauthenticated caller is refused before
 * its body is read, and unknown routes under those paths answer 401, not 404.
 */
export function apiKeyMiddleware(apiKey: string): RequestHandler {
  const expected = digest(apiKey);
  return (req, res, next) => {
    const given = req.header('x-api-key');
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return next();
    res
      .status(401)
      .json([single(given === undefined ? 'Missing x-api-key header' : 'Invalid x-api-key', 'AuthenticationFailed')]);
  };
}

// Comparing fixed-length digests keeps the comparison constant-time whatever the key's length.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
