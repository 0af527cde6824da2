import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, AppMetrics, QUEUE, REDIS } from '@app/platform';
import { OutboxEntry } from '../state-store/stored-entity';
import { StateStore } from '../state-store/state-store.service';
import { SimulationStep } from '../simulation/simulation-step';

const BATCH = 100;

/**
 * Moves committed events from the outbox to the events queue. The event id is the job id, so
 * relaying an entry twice (two relays, or a crash after the add and before the removal) adds
 * one job; an entry leaves the outbox only after its job exists. Writers kick the relay right
 * after a commit; a timer sweeps up what a crashed process left behind.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private pending = false;
  private stopped = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly store: StateStore,
    @InjectQueue(QUEUE.events) private readonly events: Queue,
    @InjectQueue(QUEUE.simulation) private readonly simulation: Queue<SimulationStep>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: AppMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), this.config.outboxPollMs);
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Relays soon; calls that come while a relay runs are folded into one more run. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    this.running = this.drain()
      .catch((err) => this.logger.warn(`Outbox relay failed, will retry: ${err.message}`))
      .finally(() => {
        this.running = null;
        if (this.pending) {
          this.pending = false;
          this.kick();
        }
      });
  }

  /** Relays until the outbox is empty. */
  async drain(): Promise<void> {
    for (;;) {
      const raw = await this.redis.lrange(this.store.outboxKey, 0, BATCH - 1);
      if (raw.length === 0) return;
      const entries = raw.map((r) => JSON.parse(r) as OutboxEntry);
      await this.events.addBulk(
        entries.map(({ job }) => ({ name: job.envelope.type, data: job, opts: { jobId: job.envelope.id } })),
      );
      if (this.config.counterpartyMode === 'simulated') await this.scheduleSimulatedCounterparty(entries);
      for (const { job } of entries) this.metrics.eventsAccepted.inc({ type: job.envelope.type });
      const removal = this.redis.pipeline();
      for (const r of raw) removal.lrem(this.store.outboxKey, 1, r);
      await removal.exec();
      if (raw.length < BATCH) return;
    }
  }

  // Each event of a simulated object schedules the counterparty's next step, from the outbox
  // like the event itself, so an api that dies mid-way still finishes the simulation.
  private async scheduleSimulatedCounterparty(entries: OutboxEntry[]): Promise<void> {
    const steps = entries.filter(({ job }) => job.entity.kind !== 'callback');
    if (steps.length === 0) return;
    await this.simulation.addBulk(
      steps.map(({ job, state }) => ({
        name: `${job.entity.kind}.${state}`,
        data: { kind: job.entity.kind, id: job.entity.id, state },
        opts: { jobId: `sim.${job.envelope.id}`, delay: this.config.simulationStepMs },
      })),
    );
  }
}
