import request from 'supertest';
import { ReceivedCall } from './support/receiver';
import { apiClient, Stack, startStack, waitUntil } from './support/harness';

/**
 * Skip and retry of the same held dead letter (issue 20, finding 6): whichever comes first,
 * never two deliveries of one lane in flight. Skip checks that the dead letter is still dead in
 * the same script that lets the lane go on; a retried dead letter that was skipped (no longer in
 * its lane) rejoins the lane's end instead of being sent beside its head.
 */
const BASE = 'http://callbacks.test';
const LANES = 16;
const EVENTS = 4;
const REPLY_MS = 40;

const objectOf = (call: ReceivedCall): string => call.json?.payload?.callbackId;
const sequenceOf = (call: ReceivedCall) => Number(call.headers['x-event-sequence']);

describe('skip and retry of one held dead letter', () => {
  let stack: Stack;
  let blocking = true;
  const answered: ReceivedCall[] = [];
  const { get, post } = apiClient(() => stack.api);

  beforeAll(async () => {
    stack = await startStack(
      () => ({
        COUNTERPARTY_MODE: 'manual',
        LOG_LEVEL: 'error',
        PUBLIC_BASE_URL: BASE,
        DISPATCH_MAX_ATTEMPTS: '1',
        INBOUND_MAX_CALLS_PER_MINUTE: '100000',
        CIRCUIT_FAILURE_THRESHOLD: '1000',
      }),
      (call) => {
        if (blocking) return { status: 503 };
        answered.push(call);
        return { status: 200, delayMs: REPLY_MS };
      },
    );
  });

  afterAll(() => stack?.stop());

  const heldLane = async () => {
    const created = await post('/management/v1/callbacks', {
      responseType: 'response',
      allowMultipleCalls: true,
      callbackAddresses: [{ uri: `${stack.receiver.url}/ordered`, events: ['callback'], ordered: true, onFailure: 'hold' }],
    }).expect(201);
    const { id, callbackUrl } = created.body as { id: string; callbackUrl: string };
    for (let n = 0; n < EVENTS; n++) await request(stack.api.getHttpServer()).post(callbackUrl.slice(BASE.length)).send({ n }).expect(200);
    return id;
  };

  it('never has two of one lane in flight, and a skipped dead letter retried goes last', async () => {
    const objects = await Promise.all(Array.from({ length: LANES }, () => heldLane()));
    const deadLetters = new Map<string, string>();
    await waitUntil(
      async () => {
        for (const id of objects) {
          const failed = (await get(`/management/v1/deliveries?entityId=${id}&status=failed`).expect(200)).body as { id: string }[];
          const held = (await get(`/management/v1/deliveries?entityId=${id}&status=held`).expect(200)).body as unknown[];
          if (failed.length !== 1 || held.length !== EVENTS - 1) return false;
          deadLetters.set(id, failed[0].id);
        }
        return true;
      },
      30_000,
      'every lane held behind its dead letter',
    );
    blocking = false;

    // Half the lanes: skip, then retry, one after the other (the skipped one must rejoin the
    // end). The other half: both at once, in either order.
    const skippedFirst = new Set<string>();
    await Promise.all(
      objects.map(async (id, i) => {
        const dl = deadLetters.get(id)!;
        if (i % 2 === 0) {
          await post(`/management/v1/deliveries/${dl}/skip`).expect(202);
          await post(`/management/v1/deliveries/${dl}/retry`).expect(202);
          skippedFirst.add(id);
          return;
        }
        const skipping = () => post(`/management/v1/deliveries/${dl}/skip`);
        const retrying = () => post(`/management/v1/deliveries/${dl}/retry`);
        const [skip, retry] =
          i % 4 === 1 ? await Promise.all([skipping(), retrying()]) : (await Promise.all([retrying(), skipping()])).reverse();
        expect([202, 409]).toContain(skip.status);
        expect(retry.status).toBe(202);
        if (skip.status === 202) skippedFirst.add(id);
      }),
    );

    await waitUntil(() => answered.length >= LANES * EVENTS, 30_000, 'every event delivered');
    for (const id of objects) {
      const calls = answered.filter((c) => objectOf(c) === id).sort((a, b) => a.at - b.at);
      expect(calls).toHaveLength(EVENTS);
      // One at a time: each call comes after the reply to the one before it.
      for (let n = 1; n < calls.length; n++) expect(calls[n].at - calls[n - 1].at).toBeGreaterThanOrEqual(REPLY_MS - 5);
      // The dead letter (sequence 1) goes last when it was skipped, first when its retry won.
      expect(calls.map(sequenceOf)).toEqual(skippedFirst.has(id) ? [2, 3, 4, 1] : [1, 2, 3, 4]);
    }
  }, 90_000);
});
