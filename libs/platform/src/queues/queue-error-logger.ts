import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Queue } from 'bullmq';

const READY_WAIT_MS = 5000;

/**
 * Watches every BullMQ queue of the app:
 * - listens to its `error` events: a queue emits one when its connection drops (Redis
 *   restarting, the app closing); with no listener Node treats it as an uncaught exception;
 * - waits at start-up (up to 5 s) until each queue's connection is ready: a queue closed while
 *   its connection is still being set up rejects that set-up on an emitter nobody listens to
 *   any more (a BullMQ race that made a quickly closed app fail).
 */
@Injectable()
export class QueueErrorLogger implements OnApplicationBootstrap {
  private readonly logger = new Logger('Queues');

  constructor(private readonly discovery: DiscoveryService) {}

  async onApplicationBootstrap(): Promise<void> {
    const queues = new Set(
      this.discovery
        .getProviders()
        .map((wrapper) => wrapper.instance as unknown)
        .filter((instance): instance is Queue => instance instanceof Queue),
    );
    for (const queue of queues) queue.on('error', (err) => this.logger.warn(`Queue ${queue.name}: ${err.message}`));
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, READY_WAIT_MS)));
    await Promise.race([Promise.all([...queues].map((q) => q.waitUntilReady().catch(() => undefined))), giveUp]);
    clearTimeout(timer);
  }
}
