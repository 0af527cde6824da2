import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS, secretsKey, withScripts } from '@app/platform';
import { AlreadyExists, InvalidInput, NotFound, StateConflict } from '../domain/domain-errors';
import { SecretValueDto } from './secret.dto';
import UPDATE_EXISTING from './scripts/update-existing-secret.lua';

// Replaces the value of an alias only if it is stored: checked and written in one step, so an
// update racing a delete cannot bring the deleted secret back.

/** This store's scripts, as commands of its connection. */
interface Scripts {
  cbUpdateSecret(key: string, alias: string, value: string): Promise<number>;
}

/**
 * The secrets that a callback address's `authCodeId` names (the dispatcher sends the value in
 * the `authKey` header, resolving it at delivery time: see the dispatcher's SecretResolver).
 *
 * A secret is an alias and a value. Two sources define them: the Redis hash `secretsKey(config)`
 * (alias -> value), which this API writes, and `EDC_VAULT_SECRETS`, read once at start-up. The
 * hash wins where both hold an alias. Semantics:
 *
 * - create: `409` if the alias exists in either source; `HSETNX`, so of two concurrent creates
 *   exactly one wins.
 * - get and list: ids only, from both sources (list sorted by id). The value is never returned,
 *   never logged and never put in an error.
 * - update: `404` unless the alias exists in either source. Updating an environment-only secret
 *   stores the new value in the hash, which then wins over the environment: that is how a
 *   secret of `EDC_VAULT_SECRETS` is rotated without a restart.
 * - delete: removes the alias from the hash. An alias only the environment defines cannot be
 *   deleted (`409`); deleting a rotated environment secret removes the override, so the
 *   environment's value applies again (and the secret is still listed).
 */
@Injectable()
export class SecretsService {
  private readonly redis: Redis & Scripts;
  private readonly key: string;
  private readonly fromEnvironment: Record<string, string>;

  constructor(@Inject(REDIS) redis: Redis, @Inject(APP_CONFIG) config: AppConfig) {
    this.redis = withScripts<Scripts>(redis, {
      cbUpdateSecret: { numberOfKeys: 1, lua: UPDATE_EXISTING },
    });
    this.key = secretsKey(config);
    this.fromEnvironment = config.vaultSecrets;
  }

  /** Stores a new secret and answers its creation time; `409` when the alias is taken. */
  async create(id: string, value: string): Promise<number> {
    const createdAt = Date.now();
    if (this.inEnvironment(id) || (await this.redis.hsetnx(this.key, id, value)) === 0) throw new AlreadyExists('secret', id);
    return createdAt;
  }

  /** `404` unless some source defines `id`. */
  async get(id: string): Promise<string> {
    if (!this.inEnvironment(id) && !(await this.redis.hexists(this.key, id))) throw new NotFound('Secret', id);
    return id;
  }

  async list(): Promise<string[]> {
    const ids = new Set([...(await this.redis.hkeys(this.key)), ...Object.keys(this.fromEnvironment)]);
    return [...ids].sort();
  }

  async update(id: string, value: string): Promise<void> {
    if (this.inEnvironment(id)) {
      await this.redis.hset(this.key, id, value);
      return;
    }
    if ((await this.redis.cbUpdateSecret(this.key, id, value)) === 0) throw new NotFound('Secret', id);
  }

  /** `PUT .../secrets/{id}`: a body that names a secret names the one of the path. */
  async updateAt(id: string, body: SecretValueDto): Promise<void> {
    const bodyId = body['@id'];
    if (bodyId !== undefined && bodyId !== id)
      throw new InvalidInput([{ message: `@id must be the id of the path (${id})`, path: '@id', invalidValue: bodyId }]);
    await this.update(id, body.value);
  }

  async delete(id: string): Promise<void> {
    if ((await this.redis.hdel(this.key, id)) === 1) return;
    if (this.inEnvironment(id))
      throw new StateConflict(`The secret ${id} is defined by EDC_VAULT_SECRETS and cannot be deleted through the API`);
    throw new NotFound('Secret', id);
  }

  private inEnvironment(id: string): boolean {
    return Object.hasOwn(this.fromEnvironment, id);
  }
}
