import 'reflect-metadata';
import { runDeliveryBench } from './delivery.bench';
import { runQueryBench } from './query.bench';

/** Every benchmark, run one after the other by `npm run bench`; add new ones to this list. */
const BENCHES: [string, () => Promise<void>][] = [
  ['query', runQueryBench],
  ['delivery', runDeliveryBench],
];

async function main(): Promise<void> {
  for (const [name, run] of BENCHES) {
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
