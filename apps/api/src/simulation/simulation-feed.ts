import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { StreamEvent, EventType } from '@app/events';
import { APP_CONFIG, AppConfig, eventStreamKey, Partitions, QUEUE, REDIS, STREAM_GROUPS, StreamConsumer, StreamEntry } from '@app/platform';
import { NEGOTIATION_MACHINE } from '../contract-negotiations/contract-negotiation';
import { TRANSFER_MACHINE } from '../transfer-processes/transfer-process';
import { SimulationStep } from './simulation-step';

/** The state each event announces, by event type. */
const STATE_OF: Partial<Record<EventType, string>> = Object.fromEntries(
  [TRANSFER_MACHINE, NEGOTIATION_MACHINE].flatMap((machine) => Object.entries(machine.eventOf).map(([state, type]) => [type, state])),
);

/**
 * The simulated counterparty listens to every partition's event stream as a consumer group of
 * its own (one consumer per partition, sharing the room for 100 batches in flight): each
 * event of a negotiation or transfer schedules its next step (a delayed job of the simulation
 * queue, one per event id). The entry is acknowledged once the step is scheduled, so an api
 * that dies mid-way still finishes the simulation (another api, or this one restarted, claims it).
 */
@Injectable()
export class SimulationFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SimulationFeed');
  private readonly consumers: StreamConsumer<StreamEvent>[];
  private readonly running = new Set<Promise<void>>();

  constructor(
    @InjectQueue(QUEUE.simulation) private readonly simulation: Queue<SimulationStep>,
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    partitions: Partitions,
  ) {
    this.consumers = partitions.all.map((partition) => {
      const consumer: StreamConsumer<StreamEvent> = new StreamConsumer<StreamEvent>(redis, {
        redisUrl: config.redisUrl,
        keys: [eventStreamKey(partition)],
        group: STREAM_GROUPS.simulation,
        room: () => 100 - this.running.size,
        take: (entries) => {
          const work = this.schedule(consumer, entries);
          this.running.add(work);
          void work.finally(() => {
            this.running.delete(work);
            for (const c of this.consumers) c.wake();
          });
        },
        // Entries a killed api was scheduling are taken over as a killed dispatcher's are.
        claimIdleMs: config.dispatch.lockDurationMs,
        logger: this.logger,
      });
      return consumer;
    });
  }

  onApplicationBootstrap(): void {
    for (const consumer of this.consumers) consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
    await Promise.all([...this.running]);
  }

  private async schedule(consumer: StreamConsumer<StreamEvent>, entries: StreamEntry<StreamEvent>[]): Promise<void> {
    const steps = entries.flatMap(({ data }) => {
      const state = STATE_OF[data.envelope.type];
      return data.entity.kind === 'callback' || !state ? [] : [{ data, state }];
    });
    try {
      if (steps.length > 0)
        await this.simulation.addBulk(
          steps.map(({ data, state }) => ({
            name: `${data.entity.kind}.${state}`,
            data: { kind: data.entity.kind, id: data.entity.id, state, ...(data.trace ? { trace: data.trace } : {}) },
            opts: { jobId: `sim.${data.envelope.id}`, delay: this.config.simulationStepMs },
          })),
        );
      await consumer.ack(entries);
    } catch (err) {
      this.logger.warn(`Could not schedule simulated steps, will be claimed again: ${(err as Error).message}`);
      consumer.release(entries);
    }
  }
}
