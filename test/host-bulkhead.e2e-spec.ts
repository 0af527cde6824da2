import { apiClient, Stack, startStack, transferRequest, waitUntil, openDeliveryQueues } from './support/harness';
import { TestDeliveryQueues } from './support/delivery-queues';
import { Receiver } from './support/receiver';

// Issue 10, item 13: a slow host with many URIs (distinct query strings) must not take more than
// its share of a replica's slots. Eight slots, two per URI, three per host (the default share:
// a quarter of the slots, with room for one URI more than one takes). A slow host that could
// fill all eight would hold the healthy endpoint back until its attempts time out (20 s).
const TIMEOUT_MS = 20_000;
const HOST_SHARE = 3;

describe('a host never takes more than its share of the slots, however many URIs it has', () => {
  let slowHost: Receiver;
  let stack: Stack;
  let deliveries: TestDeliveryQueues;

  beforeAll(async () => {
    slowHost = await Receiver.start(() => 'hang');
    stack = await startStack(() => ({
      COUNTERPARTY_MODE: 'manual',
      DISPATCH_CONCURRENCY: '8',
      DISPATCH_ENDPOINT_CONCURRENCY: '2',
      DISPATCH_TIMEOUT_MS: String(TIMEOUT_MS),
      DISPATCH_MAX_ATTEMPTS: '2',
    }));
    deliveries = openDeliveryQueues(stack.config);
  });

  afterAll(async () => {
    // The slow host goes first: its hanging attempts end at once, so the dispatcher can stop.
    await slowHost?.close();
    await deliveries?.close();
    await stack?.stop();
  });

  it('delivers every event to a healthy host while a slow host hangs on three attempts at most', async () => {
    expect(stack.config.dispatch.hostConcurrency).toBe(HOST_SHARE);
    const { post } = apiClient(() => stack.api);
    const events = 20;
    for (let i = 0; i < events; i++)
      await post(
        '/management/v3/transferprocesses',
        transferRequest({
          callbackAddresses: [
            { uri: `${slowHost.url}/hook?delivery=${i}`, events: ['transfer.process'] },
            { uri: `${stack.receiver.url}/ok`, events: ['transfer.process'] },
          ],
        }),
      ).expect(200);

    // Order, not timing: every healthy delivery is done while no slow attempt has timed out yet
    // (the wait ends well before TIMEOUT_MS), so what the slow host received is all in flight.
    await stack.receiver.waitFor((calls) => calls.filter((c) => c.path === '/ok').length >= events, TIMEOUT_MS / 2);
    expect(slowHost.calls.length).toBeGreaterThanOrEqual(1);
    expect(slowHost.calls.length).toBeLessThanOrEqual(HOST_SHARE);
    // The slow host's other deliveries were parked as jobs, without using an attempt.
    const slowJobs = async () =>
      (await deliveries.getJobs(['active', 'waiting', 'delayed'])).filter((j) => j.data.endpoint.uri.startsWith(slowHost.url));
    // A job beyond the share may wait a moment in the process for a slot before it is parked.
    await waitUntil(async () => (await slowJobs()).length === events - slowHost.calls.length, 3000, 'the rest parked');
    const slow = await slowJobs();
    expect(slow.every((j) => j.attemptsMade === 0 && !j.data.attemptsBefore)).toBe(true);
  });
});
