// The end-to-end tests that `npm run test:cluster` runs against a 3-master Redis Cluster
// (scripts/test-cluster.sh starts it and sets REDIS_URL), with the cluster-only checks.
const base = require('./package.json').jest;

const E2E_ON_CLUSTER = [
  'transfer-callbacks', // create -> delivery
  'negotiation-lifecycle',
  'delivery-retries', // retries, dead letter, retry through the API
  'delivery-log',
  'transactional-callbacks',
  'inbound-callbacks',
  'query-spec',
  'dispatcher-crash', // kill -9 of a dispatcher
  'ordered-delivery', // lanes joined at commit, turns, hold and skip
  'ordered-delivery-crash',
  'registered-endpoints', // endpoints changed at run time, picked up by every replica
];

module.exports = {
  ...base,
  testRegex: undefined,
  testMatch: [...E2E_ON_CLUSTER.map((name) => `<rootDir>/test/${name}.e2e-spec.ts`), '<rootDir>/test/cluster/*.cluster-spec.ts'],
};
