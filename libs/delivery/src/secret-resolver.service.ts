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
    return (await this.redis.hget(this.key, alias)) ?? this.config.vaultSecrets[alias] ?? null;
  }
}
