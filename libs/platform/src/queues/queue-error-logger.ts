import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Queue } from 'bullmq';

/**
 * Listens to the `error` events of every BullMQ queue in the app. A queue emits one when its
 * connection drops (Redis restarting, or the app closing while a connection is still being
 * set up); with no listener Node treats it as an uncaught exception and the process dies,
 * which turned a clean SIGTERM into exit 1.
 */
@Injectable()
export class QueueErrorLogger implements OnApplicationBootstrap {
  private readonly logger = new Logger('Queues');

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    const queues = new Set(
      this.discovery
        .getProviders()
        .map((wrapper) => wrapper.instance as unknown)
        .filter((instance): instance is Queue => instance instanceof Queue),
    );
    for (const queue of queues) queue.on('error', (err) => this.logger.warn(`Queue ${queue.name}: ${err.message}`));
  }
}
