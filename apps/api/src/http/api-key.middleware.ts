import * as crypto from 'node:crypto';
import { createHash, timingSafeEqual } from 'node:crypto';
import { RequestHandler } from 'express';
import { single } from './edc-error';

/**
 * The API key check on `/management`, `/signaling` and `/admin`: header `x-api-key`, or HTTP
 * basic auth with the key as password (any user name) so a browser can open Bull Board. It is
 * plain Express middleware registered before the body parser, so an unauthenticated caller is
 * refused before its body is read, and unknown routes under those paths answer 401, not 404.
 */
export function apiKeyMiddleware(apiKey: string): RequestHandler {
  const expected = digest(apiKey);
  return (req, res, next) => {
    const given = req.header('x-api-key') ?? basicAuthPassword(req.header('authorization'));
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return next();
    res.setHeader('www-authenticate', 'Basic realm="callback-service", charset="UTF-8"');
    res.status(401).json([single(given === undefined ? 'Missing x-api-key header' : 'Invalid API key', 'AuthenticationFailed')]);
  };
}

function basicAuthPassword(header: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

// Comparing fixed-length digests keeps the comparison constant-time whatever the key's length.
// `crypto.hash` (Node 20.12+) is the one-shot form, without a Hash object per request.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'buffer') => Buffer }).hash;
function digest(value: string): Buffer {
  return oneShot ? oneShot('sha256', value, 'buffer') : createHash('sha256').update(value).digest();
}
