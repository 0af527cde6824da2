import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS, secretsKey } from '@app/platform';

/**
 * Resolves an `authCodeId` alias at delivery time, so a secret rotated through the secrets API
 * is used by the very next attempt: the secrets store first, then `EDC_VAULT_SECRETS`.
 */
@Injectable()
export class SecretResolver {
  private readonly key: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.key = secretsKey(config);
  }

  async resolve(alias: string): Promise<string | null> {
    const stored = await this.redis.hget(this.key, alias);
    if (stored !== null) return stored;
    // Own keys only: `__proto__`, `constructor` or `toString` name no secret, and must not
    // resolve to what every JavaScript object inherits.
    return Object.hasOwn(this.config.vaultSecrets, alias) ? this.config.vaultSecrets[alias] : null;
  }
}
