import { INestApplication } from '@nestjs/common';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { AppConfig, REDIS } from '@app/platform';
import { EXAMPLE_AGREEMENT_ID } from '../apps/api/src/openapi/request-examples';
import { agreementFixture, API_KEY, dropKeys, seedAgreement, startApi, testConfig } from './support/harness';

// Swagger UI's "Try it out", done by a test: every operation of the served OpenAPI document is
// sent to the api over HTTP with each of its request examples, as Swagger UI sends the first
// (issue 21: it sent "string" placeholders that answered 400). Path ids are those the examples
// created (a negotiation, a transfer, a secret, an inbound callback, an endpoint); where none
// was created (deliveries) the id does not exist, and 404 is the right answer. 409 is right for
// a move the object's state does not allow (deleting a negotiation that is not terminated, a
// signal out of order): the example was read and accepted, the state machine said no.

type Operation = {
  parameters?: { name: string; in: string; schema?: { enum?: string[]; type?: string } }[];
  requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};
type Document = { paths: Record<string, Record<string, Operation>>; components: object };

const METHODS = ['get', 'post', 'put', 'delete'] as const;

function operationsOf(document: Document): { method: (typeof METHODS)[number]; path: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ method, path, operation: item[method] })),
  );
}

/** The pointer of an operation's documented response schema, for Ajv. */
const responseSchema = (path: string, method: string, status: string) =>
  `served#/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}/responses/${status}/content/application~1json/schema`;

describe("Swagger UI's Try it out, for every operation of the served OpenAPI document", () => {
  let config: AppConfig;
  let api: INestApplication;
  let document: Document;
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));

  beforeAll(async () => {
    config = testConfig({ COUNTERPARTY_MODE: 'manual' });
    api = await startApi(config);
    // The transfer example names an agreement: a real one would come from a finalized negotiation.
    await seedAgreement(api.get(REDIS), config, agreementFixture({ id: EXAMPLE_AGREEMENT_ID }));
    document = (await request(api.getHttpServer()).get('/management/openapi.json').set('x-api-key', API_KEY).expect(200)).body;
    ajv.addSchema({ $id: 'served', paths: document.paths, components: document.components });
  });

  afterAll(async () => {
    await api?.close();
    await dropKeys(config);
  });

  const send = (method: (typeof METHODS)[number], url: string) => request(api.getHttpServer())[method](url).set('x-api-key', API_KEY);

  it('accepts each request example as sent, and answers as documented', async () => {
    /** The id each collection's create answered with, by the path segment before `{id}`. */
    const ids = new Map<string, string>([['contractagreements', EXAMPLE_AGREEMENT_ID]]);
    const fill = (path: string, operation: Operation) =>
      path
        .replace(
          /\/([^/{}]+)\/\{id\}/,
          (_, collection: string) => `/${collection}/${encodeURIComponent(ids.get(collection) ?? 'no-such-id')}`,
        )
        .replace(
          /\{(\w+)\}/g,
          (_, name: string) => operation.parameters?.find((p) => p.name === name)?.schema?.enum?.[0] ?? 'no-such-value',
        );

    const answers: string[] = [];
    const undocumented: string[] = [];
    let sent = 0;
    for (const { method, path, operation } of operationsOf(document)) {
      const json = operation.requestBody?.content['application/json'];
      if (operation.requestBody)
        expect({ [`${method} ${path}`]: Object.keys(json?.examples ?? {}).length > 0 }).toEqual({ [`${method} ${path}`]: true });
      const bodies = operation.requestBody ? Object.values(json!.examples!).map((e) => e.value) : [undefined];
      for (const body of bodies) {
        const url = fill(path, operation);
        const res = body === undefined ? await send(method, url) : await send(method, url).send(body as object);
        sent++;
        answers.push(`${method.toUpperCase()} ${path} → ${res.status}${res.status >= 400 ? ` ${JSON.stringify(res.body)}` : ''}`);
        const created = /^\/management\/v\d\/(\w+)$/.exec(path);
        if (method === 'post' && created && res.status < 300) ids.set(created[1], res.body['@id'] ?? res.body.id);
        // A JSON answer must match its documented schema (the deliveries list was `[{}]`).
        const validate = res.type === 'application/json' ? ajv.getSchema(responseSchema(path, method, String(res.status))) : undefined;
        if (res.type === 'application/json' && res.status < 300 && !validate) undocumented.push(`${method} ${path} ${res.status}`);
        if (validate && !validate(res.body)) undocumented.push(`${method} ${path} ${res.status}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    expect(sent).toBeGreaterThan(40);
    expect(answers.filter((a) => !/→ (2\d\d|404|409)\b/.test(a))).toEqual([]);
    expect(undocumented).toEqual([]);
    // No dispatcher runs here, so the deliveries list is empty: its schema is checked as written.
    const deliveries = ajv.getSchema(responseSchema('/management/v1/deliveries', 'get', '200'))!;
    expect(deliveries.schema).toEqual({ type: 'array', items: { $ref: '#/components/schemas/DeliveryResponseDto' } });
    expect(deliveries([{}])).toBe(false);
    // The creates' examples made real objects, so most operations reached their object.
    expect(answers.filter((a) => /→ 2\d\d/.test(a)).length).toBeGreaterThan(answers.length / 2);
  });

  it("documents EDC's error array as the 400 of every operation that can answer one, and answers it", async () => {
    const refusals: string[] = [];
    for (const { method, path, operation } of operationsOf(document)) {
      const queries = (operation.parameters ?? []).filter((p) => p.in === 'query');
      const documented = ajv.getSchema(responseSchema(path, method, '400'));
      // Only a GET by its path alone (a probe, an object by id) has nothing to refuse.
      if (method === 'get' && queries.length === 0) {
        expect({ [`${method} ${path}`]: documented }).toEqual({ [`${method} ${path}`]: undefined });
        continue;
      }
      expect({ [`${method} ${path}`]: documented !== undefined }).toEqual({ [`${method} ${path}`]: true });
      // Something it must refuse: a body that is not JSON, or a number parameter that is not one.
      const numeric = queries.find((p) => p.schema?.type === 'number');
      const url = path.replace(
        /\{(\w+)\}/g,
        (_, name: string) => operation.parameters?.find((p) => p.name === name)?.schema?.enum?.[0] ?? 'x',
      );
      const res =
        method === 'get' ? await send(method, `${url}?${numeric!.name}=not-a-number`) : await send(method, url).type('json').send('{"');
      refusals.push(`${method.toUpperCase()} ${path} → ${res.status}`);
      if (res.status === 400 && !documented!(res.body)) refusals.push(`  body ${ajv.errorsText(documented!.errors)}`);
    }
    expect(refusals.filter((r) => !r.endsWith('→ 400'))).toEqual([]);
  });
});
