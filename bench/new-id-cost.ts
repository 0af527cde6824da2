import { randomUUID } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { Partitions } from '@app/platform';

/**
 * CPU per event id drawn in its partition (docs/performance.md, "Against the naive pair"):
 * `Partitions.newId` against drawing whole UUIDs until one's slot fits, as it did before.
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/new-id-cost.ts
 */
const partitions = new Partitions('cbsvc', 16);
const wholeUuids = (index: number) => {
  for (;;) {
    const id = randomUUID();
    if (calculateSlot(`{${id}}`) % partitions.count === index) return id;
  }
};
const cpu = () => {
  const used = process.cpuUsage();
  return used.user + used.system;
};
const N = 200_000;
for (let round = 1; round <= 3; round++) {
  let t0 = cpu();
  for (let i = 0; i < N; i++) wholeUuids(i % partitions.count);
  const before = (cpu() - t0) / N;
  t0 = cpu();
  for (let i = 0; i < N; i++) partitions.newId(partitions.all[i % partitions.count]);
  const after = (cpu() - t0) / N;
  console.log(`round ${round}: CPU per id: whole UUIDs until one fits ${before.toFixed(2)} µs, Partitions.newId ${after.toFixed(2)} µs`);
}
