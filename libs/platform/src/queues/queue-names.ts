import { AppConfig } from '../config/app-config';

/** The BullMQ queues of the product. */
export const QUEUE = {
  /**
   * Deliveries that need more than one try (retries, dead letters) or had to wait (a busy or
   * open endpoint): one job per (event, endpoint), added by the dispatcher. First attempts come
   * straight from the event stream and never make a job.
   */
  deliveries: 'deliveries',
  /** Delayed steps of simulated negotiations and transfers (api only). */
  simulation: 'simulation',
} as const;

/**
 * Every key, BullMQ's and our own, lives under one hash tag, so a MULTI or Lua script that
 * touches several of them is legal on Redis Cluster.
 */
export function bullPrefix(config: Pick<AppConfig, 'redisPrefix'>): string {
  return `{${config.redisPrefix}}`;
}

export function redisKey(config: Pick<AppConfig, 'redisPrefix'>, ...parts: string[]): string {
  return [bullPrefix(config), ...parts].join(':');
}

/** The hash of secrets (alias -> value) that `authCodeId` names; filled by the secrets API. */
export function secretsKey(config: Pick<AppConfig, 'redisPrefix'>): string {
  return redisKey(config, 'secrets');
}
