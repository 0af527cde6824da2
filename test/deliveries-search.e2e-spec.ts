import { Receiver } from './support/receiver';
import { apiClient, Stack, startStack, transferRequest, waitUntil } from './support/harness';

interface Listed {
  id: string;
  createdAt: number;
  endpoint: { uri: string; id: string };
}

/**
 * `GET /management/v1/deliveries` finds things (issue 22): by endpoint URI or origin, by time
 * (epoch ms or ISO 8601), across every partition, newest first, page by page with a cursor; an
 * unknown or unreadable parameter is a 400 naming it; the OpenAPI description has the real shape.
 */
describe('GET /management/v1/deliveries, searching', () => {
  let stack: Stack;
  let other: Receiver;
  const { get, post } = apiClient(() => stack.api);
  const PER_ENDPOINT = 9;

  beforeAll(async () => {
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'manual', LOG_LEVEL: 'error' }));
    other = await Receiver.start();
  });

  afterAll(async () => {
    await other?.close();
    await stack?.stop();
  });

  const create = (uri: string) =>
    post('/management/v3/transferprocesses', transferRequest({ callbackAddresses: [{ uri, events: ['transfer.process'] }] })).expect(200);
  const list = async (query: string) => {
    const res = await get(`/management/v1/deliveries?${query}`).expect(200);
    return {
      items: res.body as Listed[],
      next: res.headers['x-next-cursor'] as string | undefined,
      link: res.headers.link as string | undefined,
    };
  };

  it('filters by uri, origin and time, pages across partitions with a cursor, and refuses what it cannot read', async () => {
    const a = `${stack.receiver.url}/a`;
    const b = `${stack.receiver.url}/b`;
    const c = `${other.url}/c`;
    for (let i = 0; i < PER_ENDPOINT; i++) await Promise.all([create(a), create(b), create(c)]);
    await waitUntil(async () => (await list('limit=100')).items.length === 3 * PER_ENDPOINT, 20_000, 'every delivery logged');

    const byUri = (await list(`uri=${encodeURIComponent(a)}&limit=100`)).items;
    expect(byUri).toHaveLength(PER_ENDPOINT);
    expect(new Set(byUri.map((d) => d.endpoint.uri))).toEqual(new Set([a]));
    expect(byUri.map((d) => d.createdAt)).toEqual([...byUri.map((d) => d.createdAt)].sort((x, y) => y - x));
    expect((await list(`origin=${encodeURIComponent(stack.receiver.url)}&limit=100`)).items).toHaveLength(2 * PER_ENDPOINT);
    expect((await list(`origin=${encodeURIComponent(other.url)}&limit=100`)).items).toHaveLength(PER_ENDPOINT);

    // Page by page, 4 at a time, following the cursor: each once, newest first.
    const all = (await list('limit=100')).items;
    const seen: Listed[] = [];
    let query = `origin=${encodeURIComponent(stack.receiver.url)}&limit=4`;
    for (let pages = 0; pages < 20; pages++) {
      const page = await list(query);
      seen.push(...page.items);
      if (!page.next) break;
      expect(page.link).toContain(`cursor=${encodeURIComponent(page.next)}`);
      query = `origin=${encodeURIComponent(stack.receiver.url)}&limit=4&cursor=${encodeURIComponent(page.next)}`;
    }
    expect(seen.map((d) => d.id)).toEqual(all.filter((d) => !d.endpoint.uri.startsWith(other.url)).map((d) => d.id));

    // A time range, in epoch ms and in ISO 8601.
    const times = all.map((d) => d.createdAt).sort((x, y) => x - y);
    const middle = times[Math.floor(times.length / 2)];
    const since = (await list(`since=${middle}&limit=100`)).items;
    expect(since.every((d) => d.createdAt >= middle)).toBe(true);
    expect(since.length).toBe(times.filter((t) => t >= middle).length);
    const until = (await list(`until=${encodeURIComponent(new Date(middle).toISOString())}&limit=100`)).items;
    expect(until.length).toBe(times.filter((t) => t <= middle).length);

    // Unknown or unreadable: 400, every problem named.
    const bad = await get('/management/v1/deliveries?endpoint=x&since=yesterday&origin=https://a.example/path').expect(400);
    expect((bad.body as { path: string }[]).map((e) => e.path).sort()).toEqual(['endpoint', 'origin', 'since']);
    await get('/management/v1/deliveries?cursor=not-a-cursor&limit=1').expect(400);
    await get(`/management/v1/deliveries?uri=${encodeURIComponent(a)}&offset=2`).expect(400);
  });

  it('describes the answer in OpenAPI: an array of deliveries with their attempts', async () => {
    const doc = (await get('/management/openapi.json').expect(200)).body;
    const schema = doc.paths['/management/v1/deliveries'].get.responses['200'].content['application/json'].schema;
    expect(schema).toEqual({ type: 'array', items: { $ref: '#/components/schemas/DeliveryResponseDto' } });
    expect(Object.keys(doc.components.schemas.DeliveryResponseDto.properties)).toEqual(
      expect.arrayContaining(['id', 'eventId', 'eventType', 'entity', 'endpoint', 'status', 'attempts']),
    );
    expect(doc.paths['/management/v1/deliveries/recover'].post.responses['202']).toBeDefined();
  });
});
