import { Controller, Get, Inject, Res } from '@nestjs/common';
import Redis from 'ioredis';
import { partitionKey, Partitions } from '../partitions/partitions';
import { REDIS } from '../redis/redis.module';
import { storeUnavailableReason } from '../redis/store-unavailable';

const PROBE_DEADLINE_MS = 1000;

/** The part of the response this controller uses: Fastify's reply has it, as Express's had. */
interface StatusSetter {
  status(code: number): unknown;
}

/**
 * `GET /health`: 200 while Redis answers and takes writes, 503 otherwise (both apps; no API
 * key). The probe is a small write with a TTL, not a PING: Redis out of memory still answers
 * PINGs and reads while refusing every write, and an app that cannot write cannot work. It
 * writes once in every partition, so on a Redis Cluster a master that is down or full is seen
 * whichever partitions it holds. It answers at once when the connection is known to be down,
 * and gives the probe one second.
 */
@Controller('health')
export class HealthController {
  private readonly probeKeys: string[];

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    partitions: Partitions,
  ) {
    this.probeKeys = partitions.all.map((p) => partitionKey(p, 'health-probe'));
  }

  @Get()
  async health(@Res({ passthrough: true }) res: StatusSetter) {
    const down = ['reconnecting', 'close', 'end'].includes(this.redis.status);
    const problem = down ? 'Redis is not reachable' : await this.probe();
    if (problem) {
      // Set here, not thrown: the same body on both apps, whatever their error filters do.
      res.status(503);
      return { status: 'DOWN', reason: problem };
    }
    return { status: 'UP' };
  }

  /** Why Redis cannot serve the app, or null when a write went through in time. */
  private probe(): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('Redis is not reachable'), PROBE_DEADLINE_MS)));
    const write = Promise.all(this.probeKeys.map((key) => this.redis.set(key, Date.now(), 'PX', 60_000))).then(
      () => null,
      (err) => (storeUnavailableReason(err) === 'out-of-memory' ? 'Redis refuses writes (out of memory)' : 'Redis is not reachable'),
    );
    return Promise.race([write, deadline]).finally(() => clearTimeout(timer));
  }
}
