import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { partitionKey, Partitions } from '../partitions/partitions';
import { REDIS } from '../redis/redis.module';
import { storeUnavailableReason } from '../redis/store-unavailable';
import { OncePerInterval } from './once-per-interval';

/** How long the write may take before Redis counts as not answering. */
export const PROBE_DEADLINE_MS = 1000;
/** How long one probe's verdict is served to every caller: the most it costs Redis is one probe per this. */
export const PROBE_EVERY_MS = 1000;
/**
 * A deadline timer that fires this much later than it was due means the event loop was held
 * (a heavy request), not that Redis was slow: the reply may be waiting in the socket. Such a
 * deadline is given again, up to LATE_DEADLINES_MAX times, so a busy process does not report
 * Redis down (issue 20, finding 3).
 */
const LATE_BY_MS = 200;
const LATE_DEADLINES_MAX = 5;

/**
 * Whether Redis answers and takes writes. The probe is a small write with a TTL, not a PING:
 * Redis out of memory still answers PINGs and reads while refusing every write, and an app that
 * cannot write cannot work. It writes once in every partition, so on a Redis Cluster a master
 * that is down or full is seen whichever partitions it holds. A verdict is shared by every
 * caller for PROBE_EVERY_MS, so `/health` costs Redis at most one write per partition a second
 * per process, however often it is called.
 */
@Injectable()
export class RedisProbe {
  private readonly probeKeys: string[];
  private readonly cached = new OncePerInterval(PROBE_EVERY_MS, () => this.probe());

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    partitions: Partitions,
  ) {
    this.probeKeys = partitions.all.map((p) => partitionKey(p, 'health-probe'));
  }

  /** Why Redis cannot serve the app, or null. Answers at once when the connection is known to be down. */
  async problem(): Promise<string | null> {
    // Not only while reconnecting: between the socket's connect and ioredis' ready check a
    // command still fails (no offline queue), and the probe cached before the drop is stale.
    if (this.redis.status !== 'ready') return 'Redis is not reachable';
    return this.cached.get();
  }

  private probe(): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<string>((resolve) => {
      let late = 0;
      const arm = () => {
        const due = Date.now() + PROBE_DEADLINE_MS;
        timer = setTimeout(() => {
          if (Date.now() - due > LATE_BY_MS && late++ < LATE_DEADLINES_MAX) arm();
          else resolve('Redis is not reachable');
        }, PROBE_DEADLINE_MS);
      };
      arm();
    });
    const write = Promise.all(this.probeKeys.map((key) => this.redis.set(key, Date.now(), 'PX', 60_000))).then(
      () => null,
      (err) => (storeUnavailableReason(err) === 'out-of-memory' ? 'Redis refuses writes (out of memory)' : 'Redis is not reachable'),
    );
    return Promise.race([write, deadline]).finally(() => clearTimeout(timer));
  }
}
