import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, isCluster, Partition, REDIS, redisKey, withScripts } from '@app/platform';
import { EQUALITY_INDEXES, IndexedKind } from './entity-indexes';
import { CREATED_AT_WIDTH, valuePrefix } from './equality-members';
import { StateStore } from './state-store.service';
import FOLD_OLD_INDEX from './scripts/fold-old-index.lua';

/** This store's scripts, as commands of its connection. */
interface Scripts {
  cbFoldOldIndex(old: string, byValue: string, prefix: string, width: number, most: number): Promise<[number, number]>;
}

/** Keys looked at per SCAN step, and ids moved per script step: the most work one step does. */
const SCAN_COUNT = 1000;
const MOVE_COUNT = 1000;
/**
 * How long after the first finished fold the api folds again (at each boot, and once a minute):
 * during a rolling upgrade the previous release's pods keep serving, and writing sets per value,
 * after the first new pod has folded; an hour covers any rollout, after which nothing is scanned.
 */
export const REFOLD_WINDOW_MS = 60 * 60_000;
const REFOLD_EVERY_MS = 60_000;

/** An equality index of the previous release's layout: a sorted set per value of a folded field. */
interface OldIndex {
  key: string;
  partition: Partition;
  kind: IndexedKind;
  field: string;
  value: string;
}

/**
 * Moves the equality indexes the previous release kept as a sorted set per value
 * (`<p>:<kind>-index:<field>:<value>`, scored by creation time) into each partition's folded
 * index (equality-members.ts), before the api takes its first request, so queries read one
 * layout only; then once a minute, until REFOLD_WINDOW_MS after the first fold that finished
 * (a marker key records when), for what the previous release's pods write while a rolling
 * upgrade runs. Each pass scans every node's keys of this prefix (SCAN, SCAN_COUNT at a time),
 * and moves each old set found MOVE_COUNT ids per script step, atomically (fold-old-index.lua),
 * the set disappearing when empty. Replicas each run it; a step run twice moves nothing twice,
 * and a pass killed half-way leaves the next one less to do. State indexes are not folded and
 * stay as they are. See docs/architecture.md, "Queries".
 */
@Injectable()
export class EqualityIndexMigration implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('EqualityIndexMigration');
  private readonly redis: Redis & Scripts;
  private readonly doneKey: string;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: StateStore,
  ) {
    this.redis = withScripts<Scripts>(redis, { cbFoldOldIndex: { lua: FOLD_OLD_INDEX, numberOfKeys: 2 } });
    this.doneKey = redisKey(config, 'equality-indexes-folded');
  }

  async onModuleInit(): Promise<void> {
    if (await this.pass())
      this.timer = setInterval(() => (this.running ??= this.pass().finally(() => (this.running = undefined))), REFOLD_EVERY_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One fold, logged; false once the window is over (no more passes needed). */
  private async pass(): Promise<boolean> {
    try {
      const moved = await this.run();
      if (moved === null) {
        clearInterval(this.timer);
        return false;
      }
      if (moved > 0) this.logger.log(`Moved ${moved} ids of the previous release's equality indexes into the folded ones`);
    } catch (err) {
      // Redis refusing writes (out of memory): the api starts and answers 503 while it refuses;
      // the next pass tries again, and until then queries by value miss the ids not yet moved.
      this.logger.warn(`Could not fold the previous release's equality indexes now: ${(err as Error).message}`);
    }
    return true;
  }

  /**
   * Folds every old index left; returns how many ids it moved, or null when the window after the
   * first finished fold is over (nothing is scanned then).
   */
  async run(now = Date.now()): Promise<number | null> {
    const firstDone = await this.redis.get(this.doneKey);
    if (firstDone !== null && now - Date.parse(firstDone) > REFOLD_WINDOW_MS) return null;
    let moved = 0;
    // Braces are literal in MATCH only when escaped.
    const pattern = `{${this.config.redisPrefix}-*}:*-index:*`.replace(/\{/g, '\\{');
    for (const node of masters(this.redis)) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
        cursor = next;
        for (const key of keys) {
          const old = this.oldIndex(key);
          if (old) moved += await this.fold(old);
        }
      } while (cursor !== '0');
    }
    // The first finished fold's time only: the window runs from it.
    await this.redis.set(this.doneKey, new Date(now).toISOString(), 'NX');
    return moved;
  }

  private async fold(old: OldIndex): Promise<number> {
    const byValue = this.store.valuesKey(old.partition, old.kind);
    const prefix = valuePrefix(old.field, old.value);
    let moved = 0;
    for (;;) {
      const [step, left] = await this.redis.cbFoldOldIndex(old.key, byValue, prefix, CREATED_AT_WIDTH, MOVE_COUNT);
      moved += step;
      if (left === 0) return moved;
    }
  }

  /** The old index `key` is, or null for any other key (a state or time index, the folded index, another prefix's). */
  private oldIndex(key: string): OldIndex | null {
    const partition = this.store.partitions.all.find((p) => key.startsWith(`${p.tag}:`));
    if (!partition) return null;
    const rest = key.slice(partition.tag.length + 1);
    for (const kind of Object.keys(EQUALITY_INDEXES) as IndexedKind[]) {
      if (!rest.startsWith(`${kind}-index:`)) continue;
      const fieldAndValue = rest.slice(kind.length + '-index:'.length);
      const field = EQUALITY_INDEXES[kind].find((f) => fieldAndValue.startsWith(`${f}:`));
      if (field) return { key, partition, kind, field, value: fieldAndValue.slice(field.length + 1) };
    }
    return null;
  }
}

/** Every node that holds keys: the masters of a cluster, or the one server. */
function masters(redis: Redis): Redis[] {
  return isCluster(redis) ? (redis as unknown as { nodes(role: string): Redis[] }).nodes('master') : [redis];
}
