import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DeliveryQueues, EventBodyStore } from '@app/delivery';
import { Partition, Partitions } from '@app/platform';

const SWEEP_EVERY_MS = 3600 * 1000;
/** An event's holders are checked a day after they were last written or checked. */
const CHECK_HOLDERS_AFTER_MS = 24 * 3600 * 1000;
const BATCH = 100;

/**
 * Lets go of event bodies for deliveries that can no longer run: a dead letter removed in Bull
 * Board never releases its event's body, nor does a delivery whose release failed (Redis
 * refusing the write). Once an hour it looks at the events whose holders have not changed for
 * a day, and releases each holder whose job is gone or completed. Every replica sweeps; two
 * sweeps of the same event do the same idempotent releases.
 */
@Injectable()
export class EventBodySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventBodySweeper');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly bodies: EventBodyStore,
    private readonly deliveries: DeliveryQueues,
    private readonly partitions: Partitions,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.run(), SWEEP_EVERY_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /**
   * Releases the holders, among events last written or checked before `before`, whose
   * delivery job is gone or completed; returns how many.
   */
  async sweep(before = Date.now() - CHECK_HOLDERS_AFTER_MS): Promise<number> {
    let released = 0;
    for (const partition of this.partitions.all) released += await this.sweepPartition(partition, before);
    return released;
  }

  private async sweepPartition(partition: Partition, before: number): Promise<number> {
    let released = 0;
    for (;;) {
      const events = await this.bodies.heldSince(partition, before, BATCH);
      if (events.length === 0) return released;
      for (const eventId of events) {
        const holders = await this.bodies.holders(eventId);
        if (holders.length === 0) {
          await this.bodies.forget(eventId);
          continue;
        }
        for (const deliveryId of holders) {
          const state = await this.deliveries.getJobState(deliveryId);
          if (state !== 'unknown' && state !== 'completed') continue;
          await this.bodies.release(eventId, deliveryId);
          released++;
        }
        // Moves it past `before`, so this loop ends; a day later it is checked again.
        await this.bodies.checked(eventId);
      }
    }
  }

  private run(): void {
    if (this.running) return;
    this.running = this.sweep()
      .then((released) => {
        if (released > 0) this.logger.log(`Released ${released} event bodies held by deliveries that can no longer run`);
      })
      .catch((err: Error) => this.logger.warn(`Event body sweep failed, will try again: ${err.message}`))
      .finally(() => (this.running = undefined));
  }
}
