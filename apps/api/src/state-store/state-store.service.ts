import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS, redisKey } from '@app/platform';
import { EntityKind, OutboxEntry, StoredEntity } from './stored-entity';

// A new object and its first event, in one atomic step; refused when the id exists.
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[1], 'version', ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
redis.call('RPUSH', KEYS[2], ARGV[5])
return 1`;

// A state change and its event, in one atomic step, only if nobody wrote in between.
const TRANSITION = `
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'version', ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[4])
return 1`;

type ScriptedRedis = Redis & {
  cbCreate(entity: string, outbox: string, index: string, ...args: (string | number)[]): Promise<number>;
  cbTransition(entity: string, outbox: string, ...args: (string | number)[]): Promise<number>;
};

/**
 * Negotiations and transfers in Redis, with a transactional outbox: a state write and the
 * event announcing it are committed by one Lua script, so a crash can lose neither alone.
 * The outbox relay moves the events on to BullMQ.
 */
@Injectable()
export class StateStore {
  private readonly redis: ScriptedRedis;
  readonly outboxKey: string;

  constructor(@Inject(REDIS) redis: Redis, @Inject(APP_CONFIG) private readonly config: AppConfig) {
    redis.defineCommand('cbCreate', { numberOfKeys: 3, lua: CREATE });
    redis.defineCommand('cbTransition', { numberOfKeys: 2, lua: TRANSITION });
    this.redis = redis as ScriptedRedis;
    this.outboxKey = redisKey(config, 'outbox');
  }

  async get<T extends StoredEntity>(kind: EntityKind, id: string): Promise<T | null> {
    const json = await this.redis.hget(this.entityKey(kind, id), 'json');
    return json === null ? null : (JSON.parse(json) as T);
  }

  /** Stores a new object with its first event; false when the id is taken. */
  async create(kind: EntityKind, entity: StoredEntity, event: OutboxEntry): Promise<boolean> {
    const created = await this.redis.cbCreate(
      this.entityKey(kind, entity.id),
      this.outboxKey,
      this.indexKey(kind),
      JSON.stringify(entity),
      entity.version,
      entity.createdAt,
      entity.id,
      JSON.stringify(event),
    );
    return created === 1;
  }

  /** Replaces `previous` by `next` with its event; false when another write came first. */
  async transition(kind: EntityKind, previous: StoredEntity, next: StoredEntity, event: OutboxEntry): Promise<boolean> {
    const done = await this.redis.cbTransition(
      this.entityKey(kind, next.id),
      this.outboxKey,
      previous.version,
      JSON.stringify(next),
      next.version,
      JSON.stringify(event),
    );
    return done === 1;
  }

  private entityKey(kind: EntityKind, id: string): string {
    return redisKey(this.config, kind, id);
  }

  private indexKey(kind: EntityKind): string {
    return redisKey(this.config, `${kind}-index`, 'createdAt');
  }
}
