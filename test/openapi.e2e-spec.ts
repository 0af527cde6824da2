import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppConfig } from '@app/platform';
import { API_KEY, dropKeys, startApi, testConfig } from './support/harness';

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

  it('serves Swagger UI at /management/docs, behind the API key', async () => {
    await request(api.getHttpServer()).get('/management/docs').expect(401);
    const res = await request(api.getHttpServer()).get('/management/docs').auth('me', API_KEY).expect(200);
    expect(res.text).toContain('swagger-ui');
  });
});
