import fc from 'fast-check';
import request from 'supertest';
import { API_KEY, Stack, startStack } from './support/harness';

/**
 * A fixed-seed slice of the HTTP fuzzer: malformed, wrongly typed, deeply nested, oversized and
 * unicode-laden bodies, headers and paths against every route of the api. Every answer must be
 * below 500, and every 4xx EDC's error array (the public /cb routes aside, which answer what
 * their callback says). The seed makes a failure reproducible: FUZZ_SEED and FUZZ_RUNS change it.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const RUNS = Number(process.env.FUZZ_RUNS ?? 500);

const nasty = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uD800',
    '../../etc/passwd',
    '%00',
    '%',
    '{{x}}',
    'null',
    '__proto__',
    'constructor',
    'a'.repeat(5000),
  ),
);
const leaf = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(nasty, tie('tree'), { maxKeys: 5 }),
  ),
}));
/** Bodies shaped like the real ones, with fields replaced by garbage, and pure garbage. */
const body = fc.oneof(
  tree,
  fc.record(
    {
      counterPartyAddress: tree,
      protocol: tree,
      contractId: tree,
      transferType: tree,
      callbackAddresses: tree,
      policy: tree,
      filterExpression: tree,
      limit: tree,
      '@id': tree,
      value: tree,
    },
    { requiredKeys: [] },
  ),
  fc.array(fc.record({ uri: nasty, events: tree, authKey: tree }), { maxLength: 3 }).map((callbackAddresses) => ({ callbackAddresses })),
  // Deep nesting well past anything sensible.
  fc.integer({ min: 200, max: 2000 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth))),
);
const rawBody = fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('{', '{"a":', '[1,2', '\u0000', '{"a":1}garbage', 'true'));

/** A path segment for any string; a lone surrogate (not encodable) becomes raw percent garbage. */
function encodeParam(param: string): string {
  try {
    return encodeURIComponent(param).slice(0, 300) || 'x';
  } catch {
    return '%ED%A0%80';
  }
}

describe('the HTTP surface under fuzzing (fixed seed)', () => {
  let stack: Stack;
  let routes: { method: string; path: string }[];

  beforeAll(async () => {
    const registered: { method: string; path: string }[] = [];
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'manual', API_BODY_LIMIT: '64kb' }), undefined, { routes: registered });
    // Concrete routes with the methods clients use (Bull Board's catch-all is a pattern).
    routes = registered
      .map((r) => ({ method: r.method.toLowerCase(), path: r.path }))
      .filter(
        (r) =>
          !r.path.startsWith('/management/docs') && !/[*{]/.test(r.path) && ['get', 'post', 'put', 'patch', 'delete'].includes(r.method),
      );
  });

  afterAll(() => stack?.stop());

  it(`answers every malformed request below 500, with EDC's error shape (${RUNS} runs, seed ${SEED})`, async () => {
    const server = stack.api.getHttpServer();
    const heapBefore = process.memoryUsage().heapUsed;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(fc.constant('some-id'), nasty),
        fc.oneof(
          body.map((b) => ({ json: b })),
          rawBody.map((raw) => ({ raw })),
        ),
        fc.constantFrom(
          'application/json',
          'application/ld+json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=utf-16',
          '',
        ),
        fc.boolean(),
        async (route, param, payload, contentType, withKey) => {
          const path = route.path.replace(/:[A-Za-z]+/g, () => encodeParam(param));
          const req = (request(server) as unknown as Record<string, (p: string) => request.Test>)[route.method](path);
          if (withKey) req.set('x-api-key', API_KEY);
          if (contentType) req.set('content-type', contentType);
          const res = await req.send('json' in payload ? JSON.stringify(payload.json) : payload.raw);
          const where = `${route.method.toUpperCase()} ${path.slice(0, 120)} -> ${res.status} ${res.text.slice(0, 200)}`;
          if (res.status >= 500) throw new Error(`5xx: ${where}`);
          // The public /cb routes answer what their callback says; Bull Board's API has its own error
          // shape; the delivery console is pages for a browser, its refusals pages too.
          const ownShape = /^\/(cbq?|admin\/queues)\//.test(route.path) || route.path.startsWith('/admin/deliveries');
          if (res.status >= 400 && !ownShape && !route.path.startsWith('/health')) {
            if (
              !Array.isArray(res.body) ||
              !res.body.every((e: { message?: unknown; type?: unknown }) => typeof e.message === 'string' && typeof e.type === 'string')
            )
              throw new Error(`not EDC's error shape: ${where}`);
          }
        },
      ),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // Bounded memory: a few hundred hostile requests leave the heap roughly where it was.
    global.gc?.();
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
  });

  // What earlier fuzzing runs found, kept as plain cases (each was a 500).
  it.each([
    [
      'nesting thousands of levels deep',
      '/management/v3/transferprocesses/request',
      { filterExpression: JSON.parse('['.repeat(3000) + ']'.repeat(3000)) },
    ],
    ['a key named constructor', '/management/v3/transferprocesses', { contractId: { constructor: true } }],
    [
      'a key named __proto__ (beside a bad limit)',
      '/management/v3/transferprocesses/request',
      JSON.parse('{"__proto__": {"limit": 1}, "limit": 0}'),
    ],
    ['an offset past what Redis takes', '/management/v3/transferprocesses/request', { offset: 1e300 }],
    ['an expiry past year 9999', '/management/v1/callbacks', { expiresAt: 1e300 }],
    ['a response header Node refuses', '/management/v1/callbacks', { responseHeaders: { 'bad name': 'x', ok: 'line\nbreak' } }],
  ])('answers 4xx, not 500, to %s', async (_case, path, body) => {
    const res = await request(stack.api.getHttpServer())
      .post(path)
      .set('x-api-key', API_KEY)
      .send(body as object);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(Array.isArray(res.body)).toBe(true);
  });
});
