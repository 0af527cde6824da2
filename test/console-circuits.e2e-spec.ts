import { apiClient, Stack, startStack, transferRequest, waitUntil } from './support/harness';

/**
 * The delivery console shows the circuits the dispatchers hold open, those of dynamic callback
 * addresses too (they are never disabled, but their deliveries wait behind the circuit): the
 * endpoint masked, its state and since when; and no longer once the circuit closed.
 */
const PATH_TOKEN = 'abcdEFGH1234ijklMNOP5678';
const QUERY_TOKEN = 's3cret-query-token';

describe('the delivery console shows open circuits', () => {
  let stack: Stack;
  let failing = true;
  const { get, post } = apiClient(() => stack.api);

  beforeAll(async () => {
    stack = await startStack(
      () => ({
        COUNTERPARTY_MODE: 'manual',
        CIRCUIT_FAILURE_THRESHOLD: '2',
        CIRCUIT_OPEN_MS: '1000',
        DISPATCH_MAX_ATTEMPTS: '100',
        DISPATCH_BACKOFF_MAX_MS: '200',
      }),
      (call) => ({ status: call.path.startsWith('/down/') && failing ? 500 : 200 }),
    );
  });

  afterAll(() => stack?.stop());

  const consolePage = async () => (await get('/admin/deliveries').expect(200)).text;

  it("lists a failing dynamic address's circuit, masked, with its state and since when, until it closes", async () => {
    const started = Date.now();
    const uri = `${stack.receiver.url}/down/${PATH_TOKEN}?token=${QUERY_TOKEN}`;
    await post('/management/v3/transferprocesses', transferRequest({ callbackAddresses: [{ uri, events: ['transfer.process'] }] })).expect(
      200,
    );

    const masked = `${stack.receiver.url}/down/***?token=***`;
    let page = '';
    await waitUntil(async () => (page = await consolePage()).includes(masked), 15_000, 'the circuit on the console page');
    expect(page).not.toContain(PATH_TOKEN);
    expect(page).not.toContain(QUERY_TOKEN);
    const row = page.slice(page.indexOf(masked)).split('</tr>')[0];
    expect(row).toMatch(/<td>endpoint<\/td>/);
    expect(row).toMatch(/status-(open|half-open)/);
    const since = Date.parse(/(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)/.exec(row)![1]);
    // To the second, as the console shows times.
    expect(since).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
    expect(since).toBeLessThanOrEqual(Date.now());

    // The receiver recovers: the next probe closes the circuit, and the console says so.
    failing = false;
    await waitUntil(async () => !(page = await consolePage()).includes(masked), 15_000, 'the circuit gone from the console');
    expect(page).toContain('Circuits: all closed.');
  });
});
