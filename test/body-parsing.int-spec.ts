import http from 'node:http';
import { AddressInfo } from 'node:net';
import fastifyFactory, { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { registerBodyParsing } from '../apps/api/src/http/body-parsing';

/**
 * The api reads plain JSON (application/json in UTF-8, not compressed, with its length) without
 * body-parser, and everything else with it. Here both paths get the same bytes over real HTTP,
 * the first as `application/json`, the second under a content type only body-parser reads
 * (`charset="utf-8"`, quoted): their answers must be the same, parsed body or refusal.
 */
describe('reading plain JSON bodies', () => {
  let app: FastifyInstance;
  let port: number;
  const agent = new http.Agent({ keepAlive: true });

  beforeAll(async () => {
    app = fastifyFactory();
    registerBodyParsing(app, '1kb');
    app.post('/echo', async (request) => ({ body: request.body ?? null }));
    // The refusal as the api answers it: EdcException's error array, its problems named.
    app.setErrorHandler((err: Error & { statusCode?: number; errors?: unknown }, _request, reply) =>
      reply.code(err.statusCode ?? 500).send({ message: err.message, errors: err.errors }),
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    agent.destroy();
    await app.close();
  });

  function send(body: Buffer, headers: http.OutgoingHttpHeaders): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/echo', agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  async function bothWays(text: string) {
    const body = Buffer.from(text);
    const length = String(body.length);
    const plain = await send(body, { 'content-type': 'application/json', 'content-length': length });
    const throughBodyParser = await send(body, { 'content-type': 'application/json; charset="utf-8"', 'content-length': length });
    return { plain, throughBodyParser };
  }

  it.each([
    ['an object', '{"a": [1, 2, {"b": null}], "c": "é"}'],
    ['an array', ' [1, 2]'],
    ['empty', ''],
    ['only whitespace', ' \n\t '],
    ['a string at the top', '"text"'],
    ['a number at the top, after whitespace', '  42'],
    ['null', 'null'],
    // body-parser's message quotes the body, and the api reads a position from the message.
    ['a string that speaks of a position', '  "at position 7"'],
    ['cut short', '{"protocol": '],
    ['a trailing comma', '{"a": 1,}'],
    ['over the limit', JSON.stringify({ blob: 'x'.repeat(2000) })],
  ])('answers %s the same either way', async (_case, text) => {
    const { plain, throughBodyParser } = await bothWays(text);
    expect(plain).toEqual(throughBodyParser);
  });

  it('answers the same for arbitrary text near JSON', async () => {
    const nearJson = fc.oneof(
      fc.json(),
      fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', ':', ',', ' ', '\n', 'a', '1', '-', '.', 'e', 'n', 't', '\\', 'é') }),
      fc
        .tuple(fc.constantFrom('', ' ', '\n\t'), fc.jsonValue(), fc.constantFrom('', ' ', 'x'))
        .map(([a, v, b]) => a + JSON.stringify(v) + b),
    );
    await fc.assert(
      fc.asyncProperty(nearJson, async (text) => {
        const { plain, throughBodyParser } = await bothWays(text);
        expect(plain).toEqual(throughBodyParser);
      }),
      { numRuns: 300 },
    );
  });
});
