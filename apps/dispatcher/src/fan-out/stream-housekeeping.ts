import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { forgetIdleConsumers, STREAM_GROUPS, trimAcknowledged } from '@app/platform';

/** How often acknowledged entries are trimmed from the streams (and idle consumers forgotten). */
const TIDY_EVERY_MS = 5000;

/**
 * Keeps the event streams small: every few seconds, drops the entries every group has
 * acknowledged, and the consumers of replicas that stopped. Each replica does it; the commands
 * are idempotent, so replicas doing it at once only repeat each other.
 */
export class StreamHousekeeping {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly streamKeys: string[],
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tidy().catch((err) => this.logger.warn(`Event stream trim: ${err.message}`)), TIDY_EVERY_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tidy(): Promise<void> {
    for (const key of this.streamKeys) {
      await trimAcknowledged(this.redis, key, [STREAM_GROUPS.dispatch]);
      await forgetIdleConsumers(this.redis, key, STREAM_GROUPS.dispatch);
    }
  }
}
