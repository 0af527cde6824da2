import Redis from 'ioredis';
import { AppConfig, connectRedis } from '@app/platform';
import { partitionsOf } from './redis-keys';
import { ContractAgreement } from '../../apps/api/src/contract-agreements/contract-agreement';
import { contractAgreementKey } from '../../apps/api/src/contract-agreements/contract-agreement.store';

/**
 * The agreement `transferRequest()` names (`contract-1`, asset `asset-1`), as a finalized
 * negotiation would have stored it: a transfer needs an existing agreement, as in EDC. Tests
 * that are not about negotiations start from it instead of negotiating first.
 */
export function agreementFixture(overrides: Partial<ContractAgreement> = {}): ContractAgreement {
  return {
    id: 'contract-1',
    providerId: 'provider-1',
    consumerId: 'consumer',
    contractSigningDate: 1_700_000_000,
    assetId: 'asset-1',
    policy: {
      permissions: [],
      prohibitions: [],
      obligations: [],
      profiles: [],
      extensibleProperties: {},
      inheritsFrom: null,
      assigner: 'provider-1',
      assignee: 'consumer',
      target: overrides.assetId ?? 'asset-1',
      '@type': { '@policytype': 'contract' },
    },
    ...overrides,
  };
}

/** Writes `agreement` where the api finds agreements, under the prefix of `config`. */
export async function seedAgreement(
  redis: Redis,
  config: Pick<AppConfig, 'redisPrefix' | 'redisPartitions'>,
  agreement = agreementFixture(),
): Promise<void> {
  await redis.set(contractAgreementKey(partitionsOf(config), agreement.id), JSON.stringify(agreement));
}

/** `seedAgreement` on a connection of its own, for tests whose api runs as a separate process. */
export async function seedAgreementFor(
  config: Pick<AppConfig, 'redisPrefix' | 'redisPartitions' | 'redisUrl'>,
  agreement = agreementFixture(),
): Promise<void> {
  const redis = connectRedis(config.redisUrl);
  try {
    await seedAgreement(redis, config, agreement);
  } finally {
    await redis.quit();
  }
}
