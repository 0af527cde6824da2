import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { StreamEvent } from '@app/events';
import { EndpointRegistry, joinLanes } from '@app/delivery';
import {
  APP_CONFIG,
  AppConfig,
  eventStreamKey,
  Partition,
  partitionKey,
  Partitions,
  REDIS,
  resendIfAborted,
  withScripts,
} from '@app/platform';
import { withCommitSpan } from '../state-store/state-store.service';
import { CapturedCall, InboundCallback, InboundCallbackView } from './inbound-callback';
import ADMIT from './scripts/admit-call.lua';
import CLAIM from './scripts/claim-call.lua';
import CLOSE from './scripts/close-callback.lua';

// The claim appends to the event stream with the stream's own fragment.

/** Calls kept per callback (the latest); a URL open for many calls stays bounded. */
export const MAX_KEPT_CALLS = 100;
/** Bytes of stored calls kept per callback (the latest call always stays). */
export const MAX_KEPT_BYTES = 1024 * 1024;
/** How long a closed or expired callback stays readable. */
const KEPT_AFTER_CLOSE_MS = 7 * 24 * 3600 * 1000;
/** Claim tokens remembered per callback: enough for the one resend ioredis makes. */
const REMEMBERED_CLAIMS = 8;
/** Index entries checked for a gone record on each create. */
const SWEEP_BATCH = 10;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 3600 * 1000;

/** This store's scripts, as commands of its connection. */
interface Scripts {
  cbAdmitCall(...keysAndArgs: (string | number)[]): Promise<number>;
  cbClaimCall(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  cbCloseCallback(...keysAndArgs: (string | number)[]): Promise<number>;
}

/**
 * Inbound callbacks in Redis: the definition, its status and counters (one hash), its calls,
 * a state → id key, and an index by creation time. Every key of a callback expires with it.
 *
 * A callback lives in one partition (see `Partitions`), found from its id as from its state:
 * both are drawn in it (`newIdentity`), and so are the ids of its events, which go to that
 * partition's event stream. Each partition has its own creation-time index.
 */
@Injectable()
export class InboundCallbackStore {
  private readonly logger = new Logger('InboundCallbacks');
  private readonly redis: Redis & Scripts;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly partitions: Partitions,
    private readonly endpoints: EndpointRegistry,
  ) {
    this.redis = withScripts<Scripts>(redis, {
      cbAdmitCall: { numberOfKeys: 1, lua: ADMIT },
      // Its number of lanes varies, so it takes its key count per call.
      cbClaimCall: { lua: CLAIM },
      cbCloseCallback: { numberOfKeys: 3, lua: CLOSE },
    });
  }

  /** A new callback's id and state (a random UUID, the secret in its URL), in one partition. */
  newIdentity(): { id: string; state: string } {
    const state = randomUUID();
    return { id: this.partitions.newId(this.partitions.of(state)), state };
  }

  /** The id of a new event of `callback`, in its partition. */
  newEventId(callback: InboundCallback): string {
    return this.partitions.newId(this.partitions.of(callback.id));
  }

  async create(callback: InboundCallback): Promise<void> {
    const multi = this.redis
      .multi()
      .hset(this.key(callback.id), 'def', JSON.stringify(callback), 'status', 'open', 'calls', 0, 'expiresAt', callback.expiresAt ?? 0)
      .set(this.stateKey(callback.state), callback.id)
      .zadd(this.indexKey(this.partitions.of(callback.id)), callback.createdAt, callback.id);
    if (callback.expiresAt)
      for (const key of [this.key(callback.id), this.stateKey(callback.state)])
        multi.pexpireat(key, callback.expiresAt + KEPT_AFTER_CLOSE_MS);
    await multi.exec();
    // The callback exists now: a failed sweep must not turn its 201 into an error.
    await this.sweepIndex(this.partitions.of(callback.id)).catch((err: Error) =>
      this.logger.warn(`Sweeping the callback index failed: ${err.message}`),
    );
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

  /**
   * Newest first, over every partition: each gives its newest `offset + limit` live callbacks
   * and the merge cuts the page. Ids whose record has expired are dropped from the index as
   * they are met, and each partition's head is filled from its following ids.
   */
  async list(offset: number, limit: number): Promise<InboundCallbackView[]> {
    const heads = await Promise.all(this.partitions.all.map((p) => this.newest(p, offset + limit)));
    return heads
      .flat()
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(offset, offset + limit);
  }

  /** The newest `count` live callbacks of one partition. */
  private async newest(partition: Partition, count: number): Promise<InboundCallbackView[]> {
    const index = this.indexKey(partition);
    const found: InboundCallbackView[] = [];
    let from = 0;
    while (found.length < count) {
      const wanted = count - found.length;
      const ids = await this.redis.zrevrange(index, from, from + wanted - 1);
      if (ids.length === 0) break;
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hgetall(this.key(id));
      const views = ((await pipeline.exec()) ?? []).map(([, hash]) => toView(hash as Record<string, string>, []));
      const gone = ids.filter((_, i) => views[i] === null);
      if (gone.length > 0) await this.redis.zrem(index, ...gone);
      found.push(...views.filter((v): v is InboundCallbackView => v !== null));
      if (ids.length < wanted) break;
      // The gone ones left the index, so the next live id is this many further on.
      from += ids.length - gone.length;
    }
    return found;
  }

  /**
   * Counts a call of `bodyBytes` against the callback's per-URL limits; 0 when it may go on,
   * otherwise the ms until it may be tried again.
   */
  async admit(callback: InboundCallback, bodyBytes: number): Promise<number> {
    const { callsPerMinute, callsPerDay, bytesPerDay } = this.config.inboundLimits;
    return this.redis.cbAdmitCall(
      this.key(callback.id),
      Date.now(),
      bodyBytes,
      callsPerMinute,
      callsPerDay,
      bytesPerDay,
      MINUTE_MS,
      DAY_MS,
    );
  }

  /**
   * Records a call (`token` unique to it: a resent claim answers what the first one did); closes
   * the callback when `close`. Returns the call's number, or null when the callback was not open.
   */
  claim(callback: InboundCallback, call: CapturedCall, close: boolean, token: string, event?: StreamEvent): Promise<number | null> {
    return event
      ? withCommitSpan(event, () => this.claimNow(callback, call, close, token, event))
      : this.claimNow(callback, call, close, token);
  }

  private async claimNow(
    callback: InboundCallback,
    call: CapturedCall,
    close: boolean,
    token: string,
    event?: StreamEvent,
  ): Promise<number | null> {
    const { job, joins } = event
      ? joinLanes(event, this.config.staticCallbacks, this.partitions, this.endpoints)
      : { job: undefined, joins: [] };
    const args = [
      this.key(callback.id),
      this.callsKey(callback.id),
      eventStreamKey(this.partitions.of(callback.id)),
      this.stateKey(callback.state),
      ...joins.map((j) => j.key),
      Date.now(),
      close ? '1' : '0',
      JSON.stringify(call),
      job ? membersAfterSequence(job) : '',
      token,
      MAX_KEPT_CALLS,
      MAX_KEPT_BYTES,
      KEPT_AFTER_CLOSE_MS,
      REMEMBERED_CLAIMS,
      ...joins.map((j) => j.deliveryId),
    ];
    // `token` makes a resend answer what the first run did.
    const n = await resendIfAborted(this.redis, () => this.redis.cbClaimCall(4 + joins.length, ...args));
    return n < 0 ? null : n;
  }

  /** Closes an open callback; false when there is none. */
  async close(callback: InboundCallback): Promise<boolean> {
    return (
      (await this.redis.cbCloseCallback(
        this.key(callback.id),
        this.callsKey(callback.id),
        this.stateKey(callback.state),
        Date.now(),
        KEPT_AFTER_CLOSE_MS,
      )) === 1
    );
  }

  /**
   * Drops index entries whose callback has expired, a few per create, walking the index from
   * the oldest and starting again at its end. Records do not expire in creation order (an open
   * callback lives until closed), so the index cannot simply be cut by score.
   */
  private async sweepIndex(partition: Partition): Promise<void> {
    const cursorKey = partitionKey(partition, 'callback-index', 'sweep');
    const index = this.indexKey(partition);
    const start = Number((await this.redis.get(cursorKey)) ?? 0);
    const ids = await this.redis.zrange(index, start, start + SWEEP_BATCH - 1);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.exists(this.key(id));
    const exists = ((await pipeline.exec()) ?? []).map(([, n]) => n === 1);
    const gone = ids.filter((_, i) => !exists[i]);
    if (gone.length > 0) await this.redis.zrem(index, ...gone);
    await this.redis.set(cursorKey, ids.length < SWEEP_BATCH ? 0 : start + ids.length - gone.length);
  }

  private key(id: string): string {
    return partitionKey(this.partitions.of(id), 'callback', id);
  }

  private callsKey(id: string): string {
    return partitionKey(this.partitions.of(id), 'callback', id, 'calls');
  }

  private stateKey(state: string): string {
    return partitionKey(this.partitions.of(state), 'callback-state', state);
  }

  private indexKey(partition: Partition): string {
    return partitionKey(partition, 'callback-index', 'createdAt');
  }
}

/** The event's JSON members without `sequence` (and without braces); the claim script puts the sequence first. */
function membersAfterSequence({ sequence: _placeholder, ...job }: StreamEvent): string {
  return JSON.stringify(job).slice(1, -1);
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
