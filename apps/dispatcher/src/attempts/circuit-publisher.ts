import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CIRCUITS_PUBLISH_MS, CircuitStateStore } from '@app/delivery';
import { AttemptRunner } from './attempt-runner';

/**
 * Tells Redis (CircuitStateStore) of this replica's circuits that are not closed, once every
 * CIRCUITS_PUBLISH_MS while there are any, so the delivery console (on the api) can show them;
 * once when the last one closed, and on shutdown, it removes them. Nothing is written while all
 * are closed, which is the usual case.
 */
@Injectable()
export class CircuitPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CircuitPublisher');
  private readonly replica = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private timer?: NodeJS.Timeout;
  private publishing?: Promise<void>;
  /** Whether Redis holds circuits of this replica. */
  private told = false;

  constructor(
    private readonly runner: AttemptRunner,
    private readonly store: CircuitStateStore,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.publishing ??= this.publish()
        .catch((err: Error) => this.logger.warn(`Could not publish the circuits: ${err.message}`))
        .finally(() => (this.publishing = undefined));
    }, CIRCUITS_PUBLISH_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.publishing;
    // Left behind, they would show until they go stale.
    if (this.told) await this.store.publish(this.replica, []).catch(() => undefined);
  }

  private async publish(): Promise<void> {
    const circuits = this.runner.openCircuits();
    if (circuits.length === 0 && !this.told) return;
    await this.store.publish(this.replica, circuits);
    this.told = circuits.length > 0;
  }
}
