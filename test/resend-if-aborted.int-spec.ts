/**
 * A connection that closes between the replies of one auto-pipelined batch: ioredis aborts the
 * unanswered rest ("Command aborted due to connection close") instead of resending it, so a
 * create or a signal whose commit was made answered 500 in the fault harness. The commit is now
 * sent again once the connection is back (its write token makes that safe), and any other
 * command so aborted is a 503 (the store unreachable), never a 500.
 */
import net from 'node:net';
import Redis from 'ioredis';
import { abortedByClose, COMMAND_CONNECTION, resendIfAborted, storeUnavailableReason } from '@app/platform';
import { EndpointRegistry } from '@app/delivery';
import { InboundCallbackStore } from '../apps/api/src/inbound-callbacks/inbound-callback.store';
import { StateStore } from '../apps/api/src/state-store/state-store.service';
import { transferProcessEvent } from '../apps/api/src/transfer-processes/transfer-process.events';
import { dropKeys, REDIS_URL, testConfig } from './support/harness';
import { allStreams, partitionsOf } from './support/redis-keys';
import { storedTransfer } from './support/stored-transfer';

/** A write that counts once per token, as the commit scripts do (scripts/write-tokens.lua). */
const COUNT_ONCE = `
if redis.call('HGET', KEYS[1], 'op') == ARGV[1] then return tonumber(redis.call('HGET', KEYS[1], 'n')) end
redis.call('HSET', KEYS[1], 'op', ARGV[1])
return redis.call('HINCRBY', KEYS[1], 'n', 1)`;

type Counting = Redis & { countOnce(key: string, token: string): Promise<number> };

/**
 * A TCP proxy in front of Redis that, when told, passes on the first reply of the next chunk
 * Redis sends and then closes both sides: the client has the first answer of its batch and not
 * the rest, which Redis has run.
 */
class CuttingProxy {
  private cut = false;
  private readonly sockets = new Set<net.Socket>();
  readonly server = net.createServer((client) => {
    const upstream = net.connect(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (!this.cut) return void client.write(chunk);
      this.cut = false;
      client.write(chunk.subarray(0, chunk.indexOf('\r\n') + 2), () => {
        client.destroy();
        upstream.destroy();
      });
    });
    client.on('close', () => upstream.destroy());
  });

  cutAfterFirstReply(): void {
    this.cut = true;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('a command aborted by its connection closing', () => {
  const prefix = `resend-aborted-${process.pid}`;
  let proxy: CuttingProxy;
  let client: Counting;
  let check: Redis;
  // One partition: one stream to count the commit's events on.
  const config = testConfig({ REDIS_PARTITIONS: '1' });

  beforeAll(async () => {
    proxy = new CuttingProxy();
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.server.address() as net.AddressInfo;
    client = new Redis({ host: '127.0.0.1', port, ...COMMAND_CONNECTION }) as Counting;
    client.defineCommand('countOnce', { lua: COUNT_ONCE, numberOfKeys: 1 });
    check = new Redis(REDIS_URL);
    // No offline queue (as the apps' command connections): nothing is sent before it is ready.
    await new Promise((resolve) => client.once('ready', resolve));
  });

  afterAll(async () => {
    await check.del(`${prefix}:raw`, `${prefix}:resent`);
    await dropKeys(config);
    client.disconnect();
    check.disconnect();
    await proxy.close();
  });

  const readyAgain = async () => {
    for (let i = 0; client.status !== 'ready' && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
  };

  it('is what ioredis answers when a batch is cut after its first reply, and counts as the store unreachable', async () => {
    await readyAgain();
    proxy.cutAfterFirstReply();
    const first = client.get(`${prefix}:first`);
    const second = client.countOnce(`${prefix}:raw`, 'token-1').catch((err: unknown) => err);
    expect(await first).toBeNull();
    const err = await second;
    expect(abortedByClose(err)).toBe(true);
    expect(storeUnavailableReason(err)).toBe('unreachable');
    // Redis ran it all the same: the caller could not know.
    expect(await check.hget(`${prefix}:raw`, 'n')).toBe('1');
  });

  it('is sent again once the connection is back, and a write with a token is made once', async () => {
    await readyAgain();
    proxy.cutAfterFirstReply();
    const first = client.get(`${prefix}:first`);
    const second = resendIfAborted(client, () => client.countOnce(`${prefix}:resent`, 'token-2'));
    expect(await first).toBeNull();
    expect(await second).toBe(1);
    expect(await check.hget(`${prefix}:resent`, 'n')).toBe('1');
  });

  it("makes the api's commit once and answers it as made", async () => {
    await readyAgain();
    const store = new StateStore(client, partitionsOf(config), config);
    const tp = storedTransfer();
    const event = transferProcessEvent(tp, {}, store.newEventId(tp.id));
    proxy.cutAfterFirstReply();
    // A read of another request in the same batch, answered before the cut.
    const first = client.get(`${prefix}:first`);
    const created = store.create('transferprocess', tp, event);
    expect(await first).toBeNull();
    expect(await created).toBe(true);
    expect(await check.xlen(allStreams(config)[0])).toBe(1);
  });

  it('counts an inbound call once and answers the number it got', async () => {
    await readyAgain();
    // No call here commits an event, so no lane is joined and the registry is never asked.
    const store = new InboundCallbackStore(client, config, partitionsOf(config), undefined as unknown as EndpointRegistry);
    const callback = {
      id: `${prefix}-callback`,
      state: `${prefix}-state`,
      callbackUrl: 'http://127.0.0.1/cb',
      responseType: 'response' as const,
      responseCode: 200,
      allowMultipleCalls: true,
      retryableAfterError: false,
      callbackAddresses: [],
      createdAt: Date.now(),
    };
    await store.create(callback);
    const call = {
      receivedAt: Date.now(),
      method: 'POST',
      path: '/cb',
      query: {},
      headers: {},
      body: '{}',
      bodyEncoding: 'utf8' as const,
      outcome: 'accepted' as const,
    };
    proxy.cutAfterFirstReply();
    const first = client.get(`${prefix}:first`);
    const claimed = store.claim(callback, call, false, 'call-token-1');
    expect(await first).toBeNull();
    expect(await claimed).toBe(1);
    expect((await store.get(callback.id))?.calls).toHaveLength(1);
  });
});
