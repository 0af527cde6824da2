import 'reflect-metadata';
import { runDeliveryBench } from './delivery.bench';
import { runOrderedBench } from './ordered.bench';
import { runQueryBench } from './query.bench';

/** Every benchmark, run one after the other by `npm run bench`; add new ones to this list. */
const BENCHES: [string, () => Promise<void>][] = [
  ['query', runQueryBench],
  ['delivery', runDeliveryBench],
  ['ordered', runOrderedBench],
];

async function main(): Promise<void> {
  // BENCH_SUITE=query (or delivery, or ordered) runs one of them.
  const only = process.env.BENCH_SUITE;
  for (const [name, run] of BENCHES.filter(([name]) => !only || only.split(',').includes(name))) {
    console.log(`\n=== bench: ${name} ===`);
    await run();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
