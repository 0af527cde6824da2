import { AppConfig } from '../config/app-config';
import { Partition } from '../partitions/partitions';

/** The BullMQ queues of the product. */
export const QUEUE = {
  /**
   * Deliveries that need more than one try (retries, dead letters) or had to wait (a busy or
   * open endpoint): one job per (event, endpoint), added by the dispatcher. First attempts come
   * straight from the event stream and never make a job. One queue per partition, named
   * `deliveries.<partition>` (see `deliveriesQueueName`).
   */
  deliveries: 'deliveries',
  /** Delayed steps of simulated negotiations and transfers (api only). */
  simulation: 'simulation',
} as const;

/** The deliveries queue of a partition: `deliveries.p03`, under the partition's hash tag. */
export function deliveriesQueueName(partition: Partition): string {
  return `${QUEUE.deliveries}.${partition.name}`;
}

/**
 * The hash tag of the keys that belong to no object: secrets, the simulation queue, the health
 * probe, sweep locks (see docs/architecture.md, "Partitions"). Everything of an object lives
 * under its partition's tag instead.
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
