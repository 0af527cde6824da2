import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { INestApplication } from '@nestjs/common';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { AppConfig } from '@app/platform';
import { API_KEY, dropKeys, startApi, testConfig } from './support/harness';

/**
 * Validates an OpenAPI document with @seriousme/openapi-schema-validator (the OpenAPI
 * Initiative's schema for its version, every `$ref` resolved), in a process of its own: the
 * package is ES modules only, which jest's CommonJS runtime cannot import.
 */
async function validateOpenApi(document: object): Promise<{ valid: boolean; errors?: unknown }> {
  const script =
    'import { Validator } from "@seriousme/openapi-schema-validator";' +
    'let text = ""; for await (const chunk of process.stdin) text += chunk;' +
    'const validator = new Validator();' +
    'const result = await validator.validate(JSON.parse(text));' +
    'console.log(JSON.stringify({ ...result, version: validator.version }));';
  const child = promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: __dirname });
  child.child.stdin!.end(JSON.stringify(document));
  return JSON.parse((await child).stdout);
}

describe('the OpenAPI description', () => {
  let config: AppConfig;
  let api: INestApplication;

  beforeAll(async () => {
    config = testConfig({ COUNTERPARTY_MODE: 'manual' });
    api = await startApi(config);
  });

  afterAll(async () => {
    await api?.close();
    await dropKeys(config);
  });

  it('describes every Management API and signaling route, at /management/openapi.json', async () => {
    const res = await request(api.getHttpServer()).get('/management/openapi.json').set('x-api-key', API_KEY).expect(200);
    const paths = Object.keys(res.body.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/management/v3/contractnegotiations',
        '/management/v3/contractnegotiations/request',
        '/management/v3/contractnegotiations/{id}/agreement',
        '/management/v3/contractnegotiations/{id}/terminate',
        '/management/v3/transferprocesses',
        '/management/v3/transferprocesses/request',
        '/management/v3/transferprocesses/{id}/state',
        '/management/v3/transferprocesses/{id}/suspend',
        '/management/v3/transferprocesses/{id}/resume',
        '/management/v3/transferprocesses/{id}/deprovision',
        '/management/v3/secrets',
        '/management/v3/secrets/{id}',
        '/signaling/v1/contractnegotiations/{id}/{signal}',
        '/signaling/v1/transferprocesses/{id}/{signal}',
      ]),
    );
    // The DTOs' validation rules become the schema: required fields and nested types.
    const transferRequest = res.body.components.schemas.TransferRequestDto;
    expect(transferRequest.required).toEqual(expect.arrayContaining(['counterPartyAddress', 'protocol', 'contractId', 'transferType']));
    expect(res.body.components.schemas.CallbackAddressDto.required).toEqual(expect.arrayContaining(['uri', 'events']));
    expect(res.body.components.securitySchemes['x-api-key']).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
  });

  it("describes the health routes' answers: UP, and DOWN with its reason where Redis or readiness can fail", async () => {
    const { paths } = (await request(api.getHttpServer()).get('/management/openapi.json').set('x-api-key', API_KEY).expect(200)).body;
    const schemaOf = (path: string, status: string) => paths[path].get.responses[status]?.content['application/json'].schema;
    for (const path of ['/health', '/health/live', '/health/ready']) expect(schemaOf(path, '200').properties.status.enum).toEqual(['UP']);
    for (const path of ['/health', '/health/ready']) expect(schemaOf(path, '503').required).toEqual(['status', 'reason']);
    expect(paths['/health/live'].get.responses['503']).toBeUndefined();
  });

  it('is a valid OpenAPI 3.1 document, and its schemas are JSON Schema 2020-12 with nothing else', async () => {
    const document = (await request(api.getHttpServer()).get('/management/openapi.json').set('x-api-key', API_KEY).expect(200)).body;
    expect(await validateOpenApi(document)).toEqual({ valid: true, version: '3.1' });
    // The validator takes anything in a Schema Object (JSON Schema allows unknown keywords), so
    // a misspelt type or keyword would pass it: Ajv, strict, refuses both. Ajv knows 3.0's `nullable`
    // (invalid in 3.1, where null is a type: `type: ['string', 'null']`), hence the search.
    const ajv = addFormats(new Ajv2020({ strict: true, allErrors: true }));
    ajv.addKeyword('components').addKeyword('example'); // OpenAPI's own, around and in Schema Objects
    ajv.addSchema({ $id: 'served', components: { schemas: document.components.schemas } });
    for (const name of Object.keys(document.components.schemas))
      expect(() => ajv.getSchema(`served#/components/schemas/${name}`)).not.toThrow();
    expect(JSON.stringify(document)).not.toMatch(/"nullable":/);
  });

  it('would fail on a response without a description, a misspelt type or an unknown keyword', async () => {
    const document = (await request(api.getHttpServer()).get('/management/openapi.json').set('x-api-key', API_KEY).expect(200)).body;
    expect(() => new Ajv2020({ strict: true }).compile({ type: 'strin' })).toThrow(/schema is invalid/);
    expect(() => new Ajv2020({ strict: true }).compile({ type: 'object', requried: ['a'] })).toThrow(/unknown keyword: "requried"/);
    document.paths['/management/v3/secrets'].post.responses['400'] = { content: {} };
    expect((await validateOpenApi(document)).valid).toBe(false);
  });

  it('serves Swagger UI at /management/docs, behind the API key', async () => {
    await request(api.getHttpServer()).get('/management/docs').expect(401);
    const res = await request(api.getHttpServer()).get('/management/docs').auth('me', API_KEY).expect(200);
    expect(res.text).toContain('swagger-ui');
  });
});
