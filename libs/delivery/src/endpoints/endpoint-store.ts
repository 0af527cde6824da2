import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { StreamEvent } from '@app/events';
import { APP_CONFIG, AppConfig, ENTRY_FIELD, eventStreamKey, Partitions, REDIS, redisKey, withScripts } from '@app/platform';
import { DisabledState, EndpointDefinition, EndpointOrigin, ENDPOINT_STATUS_EVENTS } from './endpoint-definition';
import PUT_ENDPOINT from './scripts/put-endpoint.lua';
import SET_DISABLED from './scripts/set-disabled.lua';
import TRIM_CHANGES from './scripts/trim-changes.lua';

/** This store's scripts, as commands of its connection. */
interface Scripts {
  cbPutEndpoint(...keysAndArgs: string[]): Promise<number>;
  cbSetDisabled(...keysAndArgs: string[]): Promise<number>;
  cbTrimEndpointChanges(changes: string, floor: string, keep: number): Promise<number>;
}

/**
 * What changed since a version: the definitions and disabled states of the ids changed (null:
 * none), or `reload` when changes after that version were trimmed away: read everything again.
 */
export type EndpointChanges =
  | { version: number; reload?: false; changed: { id: string; definition: EndpointDefinition | null; disabled: DisabledState | null }[] }
  | { version: number; reload: true };

/**
 * The changes record keeps the ids of this many latest changes (a replica more than this many
 * changes behind reads everything again), so that it stays small however many endpoints were
 * ever created and deleted.
 */
export const ENDPOINT_CHANGES_KEPT = 1000;

/** The outbox is emptied by one replica at a time; a lock held longer than this is taken over. */
const OUTBOX_LOCK_MS = 10_000;
const OUTBOX_BATCH = 100;

/**
 * Owns the keys of registered endpoints and of endpoint health, all under the global tag (they
 * are read by the replicas' registries when the version moves, never on the hot path):
 * definitions, disabled states (static and registered endpoints), the version counter and the
 * changes by version that let each replica read only what changed (the latest
 * ENDPOINT_CHANGES_KEPT, with the floor below which they were trimmed), the health streaks, and the
 * outbox of EndpointDisabled/EndpointEnabled entries still to append to the event streams.
 */
@Injectable()
export class EndpointStore {
  private readonly redis: Redis & Scripts;
  private readonly keys: Record<
    'endpoints' | 'version' | 'changes' | 'changesFloor' | 'disabled' | 'outbox' | 'sequences' | 'outboxLock',
    string
  >;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly partitions: Partitions,
  ) {
    this.redis = withScripts<Scripts>(redis, {
      cbPutEndpoint: { numberOfKeys: 5, lua: PUT_ENDPOINT },
      cbSetDisabled: { numberOfKeys: 7, lua: SET_DISABLED },
      cbTrimEndpointChanges: { numberOfKeys: 2, lua: TRIM_CHANGES },
    });
    const key = (name: string) => redisKey(config, name);
    this.keys = {
      endpoints: key('endpoints'),
      version: key('endpoints-version'),
      changes: key('endpoints-changes'),
      changesFloor: key('endpoints-changes-floor'),
      disabled: key('endpoints-disabled'),
      outbox: key('endpoints-outbox'),
      sequences: key('endpoints-sequence'),
      outboxLock: key('endpoints-outbox-lock'),
    };
  }

  private healthKey(id: string): string {
    return redisKey(this.config, 'endpoint-health', id);
  }

  async version(): Promise<number> {
    return Number((await this.redis.get(this.keys.version)) ?? 0);
  }

  /** Everything, with the version it is at least as new as. */
  async all(): Promise<{ version: number; definitions: EndpointDefinition[]; disabled: Map<string, DisabledState> }> {
    const version = await this.version();
    const [definitions, disabled] = await Promise.all([this.redis.hgetall(this.keys.endpoints), this.redis.hgetall(this.keys.disabled)]);
    return {
      version,
      definitions: Object.values(definitions).map((json) => JSON.parse(json) as EndpointDefinition),
      disabled: new Map(Object.entries(disabled).map(([id, json]) => [id, JSON.parse(json) as DisabledState])),
    };
  }

  /** The ids changed after `since`, with what they are now; `reload` when some were trimmed since. */
  async changesSince(since: number): Promise<EndpointChanges> {
    const version = await this.version();
    if (version <= since) return { version, changed: [] };
    // The floor and the ids read together (one slot: the global tag), so that no trim falls between.
    const [[, floor], [, ids]] = (await this.redis
      .multi()
      .get(this.keys.changesFloor)
      .zrangebyscore(this.keys.changes, `(${since}`, '+inf')
      .exec()) as [[null, string | null], [null, string[]]];
    if (since < Number(floor ?? 0)) return { version, reload: true };
    if (ids.length === 0) return { version, changed: [] };
    const [definitions, disabled] = await Promise.all([
      this.redis.hmget(this.keys.endpoints, ...ids),
      this.redis.hmget(this.keys.disabled, ...ids),
    ]);
    return {
      version,
      changed: ids.map((id, i) => ({
        id,
        definition: definitions[i] ? (JSON.parse(definitions[i]!) as EndpointDefinition) : null,
        disabled: disabled[i] ? (JSON.parse(disabled[i]!) as DisabledState) : null,
      })),
    };
  }

  async definition(id: string): Promise<{ json: string; definition: EndpointDefinition } | null> {
    const json = await this.redis.hget(this.keys.endpoints, id);
    return json ? { json, definition: JSON.parse(json) as EndpointDefinition } : null;
  }

  async disabledState(id: string): Promise<DisabledState | null> {
    const json = await this.redis.hget(this.keys.disabled, id);
    return json ? (JSON.parse(json) as DisabledState) : null;
  }

  /** Writes `next` (null: deletes) if the stored definition is still `expected`; false when it is not. */
  async put(id: string, expected: string | null, next: EndpointDefinition | null): Promise<boolean> {
    const keys = [this.keys.endpoints, this.keys.version, this.keys.changes, this.keys.disabled, this.healthKey(id)];
    const result = await this.redis.cbPutEndpoint(...keys, id, expected ?? '', next ? JSON.stringify(next) : '');
    if (result === -1) return false;
    await this.trimChanges();
    return true;
  }

  /** Drops the oldest entries of the changes record beyond ENDPOINT_CHANGES_KEPT (trim-changes.lua). */
  private async trimChanges(): Promise<void> {
    await this.redis.cbTrimEndpointChanges(this.keys.changes, this.keys.changesFloor, ENDPOINT_CHANGES_KEPT);
  }

  /**
   * Disables or enables an endpoint and queues the event saying so; false when it already was.
   * With `healthCheckAfterMs`, a failed attempt's health check: see set-disabled.lua.
   */
  async setDisabled(
    id: string,
    origin: EndpointOrigin,
    change: { disable: true; state: DisabledState } | { disable: false; reason: string },
    healthCheckAfterMs?: number,
  ): Promise<boolean> {
    const now = Date.now();
    const reason = change.disable ? change.state.reason : change.reason;
    const partition = this.partitions.of(id);
    const type = ENDPOINT_STATUS_EVENTS[change.disable ? 'disabled' : 'enabled'];
    const job: Omit<StreamEvent, 'sequence'> = {
      envelope: { id: this.partitions.newId(partition), at: now, type, payload: { endpointId: id, origin, reason } },
      entity: { kind: 'endpoint', id },
      // Static and registered endpoints only: an endpoint event has no dynamic addresses.
      callbackAddresses: [],
    };
    // The sequence first, so that the script finds its placeholder before anything else.
    const entry = JSON.stringify({ sequence: 0, ...job });
    const keys = [
      this.keys.disabled,
      this.keys.version,
      this.keys.changes,
      this.keys.outbox,
      this.keys.sequences,
      this.healthKey(id),
      this.keys.endpoints,
    ];
    const state = change.disable ? JSON.stringify(change.state) : '';
    const args = [
      id,
      change.disable ? '1' : '0',
      state,
      entry,
      origin === 'registered' ? '1' : '0',
      String(healthCheckAfterMs ?? ''),
      String(now),
    ];
    const changed = (await this.redis.cbSetDisabled(...keys, ...args)) === 1;
    if (!changed) return false;
    await this.trimChanges();
    await this.relayOutbox().catch(() => undefined);
    return true;
  }

  /** Notes a success of the endpoint, which ends its failing streak (see set-disabled.lua). */
  async noteSuccess(id: string, now = Date.now()): Promise<void> {
    await this.redis.hset(this.healthKey(id), 'lastSuccess', String(now));
  }

  /**
   * Appends the queued EndpointDisabled/EndpointEnabled entries to their event streams, one
   * replica at a time. An entry is removed only once appended, so a replica that dies in
   * between leaves it for the next: at least once, with the same event id.
   */
  async relayOutbox(): Promise<number> {
    if ((await this.redis.llen(this.keys.outbox)) === 0) return 0;
    if ((await this.redis.set(this.keys.outboxLock, '1', 'PX', OUTBOX_LOCK_MS, 'NX')) !== 'OK') return 0;
    let relayed = 0;
    try {
      for (;;) {
        const entries = await this.redis.lrange(this.keys.outbox, 0, OUTBOX_BATCH - 1);
        if (entries.length === 0) return relayed;
        for (const entry of entries) {
          const { entity } = JSON.parse(entry) as StreamEvent;
          await this.redis.xadd(eventStreamKey(this.partitions.of(entity.id)), '*', ENTRY_FIELD, entry);
          await this.redis.lrem(this.keys.outbox, 1, entry);
          relayed++;
        }
      }
    } finally {
      await this.redis.del(this.keys.outboxLock);
    }
  }
}
