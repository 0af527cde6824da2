import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { CREATED_AT_WIDTH, valueMember, valuePrefix } from '../apps/api/src/state-store/equality-members';
import COMBINE_INDEXES from '../apps/api/src/state-store/scripts/combine-indexes.lua';

/**
 * The intersection of issue 26 on Redis alone: 16 partitions, each with a state's sorted set
 * (1,250 ids, scored by creation time) and one contractId's ids (627, 123 of them in both),
 * the 16 calls sent at once from one client, as a spread query does. `ZINTER` of two
 * per-value sets (the layout before the fold) against combine-indexes.lua over the state set
 * and the folded index, asked for the first 50 (a page) and for all.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx ts-node --transpile-only -r tsconfig-paths/register bench/intersection.bench.ts
 */
const PARTITIONS = 16;
const PER_PARTITION = 6250;
const REPS = 30;

async function main(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const tag = (k: number) => `{bench-intersection-${randomBytes(2).toString('hex')}-${k}}`;
  const tags = Array.from({ length: PARTITIONS }, (_, k) => tag(k));
  const prefix = valuePrefix('contractId', 'contract-03');
  try {
    for (const t of tags) {
      const pipeline = redis.pipeline();
      for (let j = 0; j < PER_PARTITION; j++) {
        const id = `${t}-${j}`;
        const createdAt = 1_700_000_000_000 + j;
        const contract = `contract-0${Math.floor(j / 5 + (j % 3)) % 10}`;
        if (j % 5 === 2) pipeline.zadd(`${t}:state`, createdAt, id);
        if (contract === 'contract-03') pipeline.zadd(`${t}:contract`, createdAt, id);
        pipeline.zadd(`${t}:by-value`, 0, valueMember('contractId', contract, createdAt, id));
      }
      await pipeline.exec();
    }
    const sha = (await redis.script('LOAD', COMBINE_INDEXES)) as string;
    const time = async (name: string, call: (t: string) => Promise<unknown>) => {
      const ms: number[] = [];
      for (let i = 0; i < REPS + 3; i++) {
        const start = process.hrtime.bigint();
        await Promise.all(tags.map(call));
        if (i >= 3) ms.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      ms.sort((a, b) => a - b);
      console.log(`${name.padEnd(52)} median ${ms[ms.length >> 1].toFixed(2)} ms for the ${PARTITIONS}`);
    };
    const script = (t: string, limit: number) =>
      redis.evalsha(sha, 2, `${t}:state`, `${t}:by-value`, 'intersect', limit, CREATED_AT_WIDTH, 0, '', prefix);
    for (let round = 0; round < 2; round++) {
      await time('ZINTER state contract AGGREGATE MIN WITHSCORES', (t) =>
        redis.zinter(2, `${t}:state`, `${t}:contract`, 'AGGREGATE', 'MIN', 'WITHSCORES'),
      );
      await time('combine-indexes.lua intersect, first 50', (t) => script(t, 50));
      await time('combine-indexes.lua intersect, all', (t) => script(t, 0));
    }
  } finally {
    for (const t of tags) await redis.del(`${t}:state`, `${t}:contract`, `${t}:by-value`);
    redis.disconnect();
  }
}

void main();
