import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS, redisKey } from '@app/platform';
import { OutboxEntry } from '../state-store/stored-entity';
import { CapturedCall, InboundCallback, InboundCallbackView } from './inbound-callback';

/** Calls kept per callback (the latest); a URL open for many calls stays bounded. */
export const MAX_KEPT_CALLS = 100;
/** How long a closed or expired callback stays readable. */
const KEPT_AFTER_CLOSE_MS = 7 * 24 * 3600 * 1000;

// One call, atomically: refused (-1) unless the callback is open and not expired; closes it
// when the call uses it up; appends the call; commits its event to the outbox with the call's
// number as sequence. Of two racing calls on a single-use URL exactly one gets through.
// KEYS: callback, calls, outbox, state key. ARGV: now, close (1/0), call json, outbox entry
// json beginning with {"job":{"sequence":-1, (22 bytes; '' for no event), calls kept, kept
// after close ms.
const CLAIM = `
if redis.call('HGET', KEYS[1], 'status') ~= 'open' then return -1 end
local expiresAt = tonumber(redis.call('HGET', KEYS[1], 'expiresAt') or '0')
if expiresAt > 0 and expiresAt <= tonumber(ARGV[1]) then return -1 end
local n = redis.call('HINCRBY', KEYS[1], 'calls', 1)
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
if ARGV[4] ~= '' then
  redis.call('RPUSH', KEYS[3], '{"job":{"sequence":' .. n .. ',' .. string.sub(ARGV[4], 23))
end
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'status', 'closed', 'closedAt', ARGV[1])
  for i = 1, 2 do redis.call('PEXPIRE', KEYS[i], ARGV[6]) end
  redis.call('PEXPIRE', KEYS[4], ARGV[6])
end
return n`;

const CLOSE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'status') == 'open' then
  redis.call('HSET', KEYS[1], 'status', 'closed', 'closedAt', ARGV[1])
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return 1`;

type ScriptedRedis = Redis & {
  cbClaimCall(...keysAndArgs: (string | number)[]): Promise<number>;
  cbCloseCallback(...keysAndArgs: (string | number)[]): Promise<number>;
};

/** Inbound callbacks in Redis: the definition, its status, its calls, and a state → id key. */
@Injectable()
export class InboundCallbackStore {
  private readonly redis: ScriptedRedis;
  private readonly outboxKey: string;

  constructor(@Inject(REDIS) redis: Redis, @Inject(APP_CONFIG) private readonly config: AppConfig) {
    redis.defineCommand('cbClaimCall', { numberOfKeys: 4, lua: CLAIM });
    redis.defineCommand('cbCloseCallback', { numberOfKeys: 3, lua: CLOSE });
    this.redis = redis as ScriptedRedis;
    this.outboxKey = redisKey(config, 'outbox');
  }

  async create(callback: InboundCallback): Promise<void> {
    const multi = this.redis
      .multi()
      .hset(this.key(callback.id), 'def', JSON.stringify(callback), 'status', 'open', 'calls', 0, 'expiresAt', callback.expiresAt ?? 0)
      .set(this.stateKey(callback.state), callback.id)
      .zadd(this.indexKey(), callback.createdAt, callback.id);
    if (callback.expiresAt)
      for (const key of [this.key(callback.id), this.stateKey(callback.state)]) multi.pexpireat(key, callback.expiresAt + KEPT_AFTER_CLOSE_MS);
    await multi.exec();
  }

  async findByState(state: string): Promise<InboundCallbackView | null> {
    const id = await this.redis.get(this.stateKey(state));
    return id ? this.get(id, false) : null;
  }

  async get(id: string, withCalls = true): Promise<InboundCallbackView | null> {
    const pipeline = this.redis.pipeline().hgetall(this.key(id));
    if (withCalls) pipeline.lrange(this.callsKey(id), 0, -1);
    const [[, hash], calls] = (await pipeline.exec()) ?? [];
    return toView(hash as Record<string, string>, withCalls ? ((calls?.[1] as string[]) ?? []) : []);
  }

  /** Newest first; callbacks whose record has expired are skipped. */
  async list(offset: number, limit: number): Promise<InboundCallbackView[]> {
    const ids = await this.redis.zrevrange(this.indexKey(), offset, offset + limit - 1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.key(id));
    const hashes = ((await pipeline.exec()) ?? []).map(([, hash]) => hash as Record<string, string>);
    return hashes.flatMap((hash) => toView(hash, []) ?? []);
  }

  /** Records a call; closes the callback when `close`. Returns the call's number, or null when it was not open. */
  async claim(callback: InboundCallback, call: CapturedCall, close: boolean, event?: OutboxEntry): Promise<number | null> {
    const n = await this.redis.cbClaimCall(
      this.key(callback.id),
      this.callsKey(callback.id),
      this.outboxKey,
      this.stateKey(callback.state),
      Date.now(),
      close ? '1' : '0',
      JSON.stringify(call),
      event ? sequencedEntry(event) : '',
      MAX_KEPT_CALLS,
      KEPT_AFTER_CLOSE_MS,
    );
    return n < 0 ? null : n;
  }

  /** Closes an open callback; false when there is none. */
  async close(callback: InboundCallback): Promise<boolean> {
    return (
      (await this.redis.cbCloseCallback(this.key(callback.id), this.callsKey(callback.id), this.stateKey(callback.state), Date.now(), KEPT_AFTER_CLOSE_MS)) === 1
    );
  }

  private key(id: string): string {
    return redisKey(this.config, 'callback', id);
  }

  private callsKey(id: string): string {
    return redisKey(this.config, 'callback', id, 'calls');
  }

  private stateKey(state: string): string {
    return redisKey(this.config, 'callback-state', state);
  }

  private indexKey(): string {
    return redisKey(this.config, 'callback-index', 'createdAt');
  }
}

/** How the outbox entry's JSON begins; the claim script puts the call's number in place of -1. */
const SEQUENCE_PREFIX = '{"job":{"sequence":-1,';

function sequencedEntry(event: OutboxEntry): string {
  const { sequence: _placeholder, ...job } = event.job;
  return SEQUENCE_PREFIX + JSON.stringify({ job, state: event.state }).slice('{"job":{'.length);
}

function toView(hash: Record<string, string>, calls: string[]): InboundCallbackView | null {
  if (!hash?.def) return null;
  const callback = JSON.parse(hash.def) as InboundCallback;
  const expired = hash.status === 'open' && callback.expiresAt !== undefined && callback.expiresAt <= Date.now();
  return {
    ...callback,
    status: expired ? 'expired' : (hash.status as 'open' | 'closed'),
    ...(hash.closedAt ? { closedAt: Number(hash.closedAt) } : {}),
    callCount: Number(hash.calls ?? 0),
    calls: calls.map((c) => JSON.parse(c) as CapturedCall),
  };
}
