import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

/**
 * Whether this process should be given work, apart from Redis: its workers and stream readers
 * are started (every `onModuleInit` and `onApplicationBootstrap` has run) and it is not stopping.
 * Draining begins in `onModuleDestroy`, which Nest runs for every module before any
 * `beforeApplicationShutdown`, where the dispatcher finishes its deliveries in flight with its
 * HTTP port still open: readiness answers 503 "draining" meanwhile, liveness stays 200.
 */
@Injectable()
export class Readiness implements OnApplicationBootstrap, OnModuleDestroy {
  private started = false;
  private draining = false;

  onApplicationBootstrap(): void {
    this.started = true;
  }

  onModuleDestroy(): void {
    this.draining = true;
  }

  /** Why the process itself is not ready, or null. */
  problem(): string | null {
    if (this.draining) return 'draining: stopping after SIGTERM, finishing what is in flight';
    if (!this.started) return 'starting';
    return null;
  }
}
