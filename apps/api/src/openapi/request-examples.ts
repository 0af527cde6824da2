import type {
  ExampleObject,
  OpenAPIObject,
  OperationObject,
  RequestBodyObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

const EDC_CONTEXT = { '@vocab': 'https://w3id.org/edc/v0.0.1/ns/' };
/** Callbacks need an address the default CALLBACK_ALLOWED_HOSTS allows (no loopback or private one). */
const RECEIVER = 'https://receiver.example';
/** The agreement the transfer example names: put the `@id` of one of yours (`GET .../contractnegotiations/{id}/agreement`). */
export const EXAMPLE_AGREEMENT_ID = 'a2e84328-4e70-481f-ab3f-3faab1b7faa0';

const example = (summary: string, value: unknown): ExampleObject => ({ summary, value });

const query = (operandLeft: string, operandRight: string) =>
  example(`${operandLeft} = ${operandRight}, first 10`, {
    '@context': EDC_CONTEXT,
    '@type': 'QuerySpec',
    offset: 0,
    limit: 10,
    filterExpression: [{ operandLeft, operator: '=', operandRight }],
  });

const endpoint = example('transfer events, in order per transfer, at most 50 a second', {
  uri: `${RECEIVER}/events`,
  events: ['transfer.process'],
  ordered: true,
  onFailure: 'hold',
  rateLimit: 50,
  description: 'Data team receiver',
});

const noDetails = example('no details', {});
const withReason = (type: string) => example('with a reason', { '@context': EDC_CONTEXT, '@type': type, reason: 'No longer needed' });

/**
 * A request body for every operation that takes one, each accepted by the api as it stands
 * (test/openapi-examples.e2e-spec.ts sends them all): Swagger UI's "Try it out" starts from the
 * first, where it would otherwise build `"string"` placeholders from the schema that answer 400.
 * Keyed by `METHOD path` as the document names them.
 */
export const REQUEST_EXAMPLES: Record<string, Record<string, ExampleObject>> = {
  'POST /management/v3/contractnegotiations': {
    offer: example('an offer of asset-1, its events to a receiver', {
      '@context': EDC_CONTEXT,
      '@type': 'ContractRequest',
      counterPartyAddress: 'http://provider.example/api/dsp',
      protocol: 'dataspace-protocol-http',
      policy: {
        '@context': 'http://www.w3.org/ns/odrl.jsonld',
        '@type': 'odrl:Offer',
        '@id': 'offer-1',
        assigner: 'provider-1',
        target: 'asset-1',
      },
      callbackAddresses: [{ uri: `${RECEIVER}/negotiations`, events: ['contract.negotiation'] }],
    }),
  },
  'POST /management/v3/contractnegotiations/request': { finalized: query('state', 'FINALIZED') },
  'POST /management/v3/contractnegotiations/{id}/terminate': { reason: withReason('TerminateNegotiation') },
  'POST /management/v3/contractagreements/request': { asset: query('assetId', 'asset-1') },
  'POST /management/v3/transferprocesses': {
    push: example(`a PUSH transfer under an agreement (put yours in contractId), its events to a receiver`, {
      '@context': EDC_CONTEXT,
      '@type': 'TransferRequest',
      counterPartyAddress: 'http://provider.example/api/dsp',
      protocol: 'dataspace-protocol-http',
      contractId: EXAMPLE_AGREEMENT_ID,
      transferType: 'HttpData-PUSH',
      dataDestination: { type: 'HttpData', baseUrl: `${RECEIVER}/data` },
      callbackAddresses: [{ uri: `${RECEIVER}/transfers`, events: ['transfer.process'] }],
    }),
  },
  'POST /management/v3/transferprocesses/request': { completed: query('state', 'COMPLETED') },
  'POST /management/v3/transferprocesses/{id}/terminate': { reason: withReason('TerminateTransfer') },
  'POST /management/v3/transferprocesses/{id}/suspend': { reason: withReason('SuspendTransfer') },
  'POST /signaling/v1/contractnegotiations/{id}/{signal}': {
    none: noDetails,
    terminated: example('terminated, with a reason', { reason: 'Offer withdrawn' }),
  },
  'POST /signaling/v1/transferprocesses/{id}/{signal}': {
    none: noDetails,
    started: example('started, with where the data can be fetched', {
      dataAddress: { type: 'HttpData', endpoint: 'http://provider.example/public', authKey: 'Authorization', authCode: 'token-1' },
    }),
    terminated: example('terminated, with a reason', { reason: 'Data plane failed' }),
  },
  'POST /management/v1/callbacks': {
    once: example('answered 200 once, each call forwarded to a receiver', {
      responseCode: 200,
      responseBody: 'Thank you, you may close this window.',
      responseHeaders: { 'content-type': 'text/plain' },
      callbackAddresses: [{ uri: `${RECEIVER}/inbound`, events: ['callback.received'] }],
    }),
  },
  'POST /management/v3/secrets': {
    secret: example('a secret named receiver-key', {
      '@context': EDC_CONTEXT,
      '@type': 'Secret',
      '@id': 'receiver-key',
      value: 's3cr3t-value',
    }),
  },
  'PUT /management/v3/secrets': {
    secret: example('a new value for receiver-key', {
      '@context': EDC_CONTEXT,
      '@type': 'Secret',
      '@id': 'receiver-key',
      value: 'n3w-s3cr3t-value',
    }),
  },
  'PUT /management/v3/secrets/{id}': { value: example('a new value', { value: 'n3w-s3cr3t-value' }) },
  'POST /management/v1/deliveries/recover': {
    origin: example('the dead letters of one receiver since a time', { since: '2026-01-01T00:00:00Z', origin: RECEIVER }),
  },
  'POST /management/v1/endpoints': { endpoint },
  'PUT /management/v1/endpoints/{id}': { endpoint },
};

/** `document` with `REQUEST_EXAMPLES` on the JSON body of their operations. */
export function withRequestExamples(document: OpenAPIObject): OpenAPIObject {
  const paths = Object.fromEntries(
    Object.entries(document.paths).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item).map(([key, value]) => {
          const examples = REQUEST_EXAMPLES[`${key.toUpperCase()} ${path}`];
          const body = (value as OperationObject).requestBody as RequestBodyObject | undefined;
          const json = body?.content?.['application/json'];
          if (!examples || !json) return [key, value];
          return [key, { ...value, requestBody: { ...body, content: { ...body.content, 'application/json': { ...json, examples } } } }];
        }),
      ),
    ]),
  );
  return { ...document, paths };
}
