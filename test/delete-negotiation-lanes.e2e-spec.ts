import request from 'supertest';
import { laneKey } from '@app/delivery';
import { connectRedis, Partitions } from '@app/platform';
import { apiClient, Stack, startStack, waitUntil } from './support/harness';

/**
 * Issue 20, finding 4: DELETE of a negotiation takes its ordered lanes with it. A negotiation
 * whose ordered `hold` endpoint dead-lettered its first event, terminated and deleted, left its
 * held lane behind: a new negotiation with the same id waited behind the old dead letter for
 * good, and `callback_held_sequences` counted the lane for ever.
 */

const CN = '/management/v3/contractnegotiations';
const ID = 'dup-1';

describe('DELETE of a negotiation and its ordered lanes (issue 20)', () => {
  let stack: Stack;
  let failing = true;
  const { get, post } = apiClient(() => stack.api);

  beforeAll(async () => {
    stack = await startStack(
      () => ({ COUNTERPARTY_MODE: 'manual', DISPATCH_MAX_ATTEMPTS: '2', DISPATCH_BACKOFF_MS: '20', DISPATCH_BACKOFF_MAX_MS: '50' }),
      (call) => (call.path === '/ordered' && failing ? { status: 500 } : { status: 200 }),
    );
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const negotiation = () => ({
    '@context': { '@vocab': 'https://w3id.org/edc/v0.0.1/ns/' },
    '@id': ID,
    counterPartyAddress: 'http://provider.example/api/dsp',
    protocol: 'dataspace-protocol-http',
    policy: { '@type': 'odrl:Offer', '@id': 'offer-1', assigner: 'provider-1', target: 'asset-1' },
    callbackAddresses: [{ uri: `${stack.receiver.url}/ordered`, events: ['contract.negotiation'], ordered: true, onFailure: 'hold' }],
  });
  const deliveriesOf = async (status: string) =>
    (await get(`/management/v1/deliveries?entityId=${ID}&status=${status}`).expect(200)).body as { id: string; eventType: string }[];
  const heldMetric = async () => {
    const text = (await request(stack.dispatcher.getHttpServer()).get('/metrics').expect(200)).text;
    return Number(/^callback_held_sequences(?:\{[^}]*\})? (\d+)/m.exec(text)![1]);
  };
  const received = (type: string) =>
    stack.receiver.callsTo('/ordered').filter((c) => c.json?.type === type && c.json?.payload?.contractNegotiationId === ID);

  it('removes the lane and its held mark, sends what waited, and lets a new negotiation with the id start afresh', async () => {
    await post(CN, negotiation()).expect(200);
    // The first event dead-letters (two 500s) and holds the lane; the termination waits behind it.
    await waitUntil(async () => (await deliveriesOf('failed')).length === 1, 15_000, 'the dead letter');
    await post(`${CN}/${ID}/terminate`, { reason: 'done' }).expect(204);
    await waitUntil(async () => (await deliveriesOf('held')).length === 1, 15_000, 'the held termination');
    await waitUntil(async () => (await heldMetric()) === 1, 5_000, 'the held gauge at 1');

    await request(stack.api.getHttpServer()).delete(`${CN}/${ID}`).set('x-api-key', 'test-api-key').expect(204);
    failing = false;

    // What waited in it is sent on (an accepted event is owed), at once rather than at its re-check.
    await stack.receiver.waitFor(() => received('ContractNegotiationTerminated').length === 1, 10_000);
    // Nothing of the lane is left in Redis once that is sent (the released delivery, finding its
    // lane gone, passes through it alone: see the delivery worker), and the gauge no longer counts it.
    const redis = connectRedis(stack.config.redisUrl);
    try {
      const lane = laneKey(new Partitions(stack.config.redisPrefix, stack.config.redisPartitions), ID, `${stack.receiver.url}/ordered`);
      await waitUntil(async () => (await redis.exists(lane)) === 0, 10_000, 'the lane gone');
    } finally {
      redis.disconnect();
    }
    // The gauge is read from Redis at most once a second (docs/operations.md, what /metrics costs).
    await waitUntil(async () => (await heldMetric()) === 0, 5_000, 'the held gauge at 0');

    // The id is free again: a new negotiation, its own sequence from 1, sent at once, held behind nothing.
    await post(CN, negotiation()).expect(200);
    // Two refused attempts of the old one's first event, then the new one's.
    await stack.receiver.waitFor(() => received('ContractNegotiationInitiated').length === 3, 10_000);
    const fresh = received('ContractNegotiationInitiated').at(-1)!;
    expect(fresh.headers['x-event-sequence']).toBe('1');
    await waitUntil(async () => (await deliveriesOf('held')).length === 0, 10_000, 'nothing held');
    // The gauge is read from Redis at most once a second (docs/operations.md, what /metrics costs).
    await waitUntil(async () => (await heldMetric()) === 0, 5_000, 'the held gauge at 0');
  });
});
