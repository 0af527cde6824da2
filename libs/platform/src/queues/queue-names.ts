import { AppConfig } from '../config/app-config';

/** The BullMQ queues of the product. */
export const QUEUE = {
  /** One job per state change, added by the api's outbox relay; job id = event id. */
  events: 'events',
  /** One job per (event, endpoint), added by the dispatcher's fan-out. */
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
