// `npm run test:unit`: the fast tier. Pure logic only, no Redis, no Nest app, no HTTP server,
// so it runs in seconds on a machine with nothing else started. Each file is transpiled alone
// (no type check: `npm run typecheck` does that) and without the Swagger plugin (no DTO here
// is read for its OpenAPI description). A spec that needs Redis must not be listed here.
const base = require('./package.json').jest;

const UNIT_SPECS = [
  // Management API: QuerySpec planning and filtering, the state machines
  'apps/api/src/query/query-plan.spec.ts',
  'apps/api/src/query/query-schema.spec.ts',
  'apps/api/src/query/criteria.spec.ts',
  'apps/api/src/query/criteria-matching.spec.ts',
  'apps/api/src/contract-agreements/contract-agreement.query.spec.ts',
  'apps/api/src/lifecycle/state-machine.spec.ts',
  'apps/api/src/contract-negotiations/contract-negotiation.spec.ts',
  'apps/api/src/transfer-processes/transfer-process.spec.ts',
  'test/state-machine-docs.spec.ts',
  // The event catalog: its schemas, the payload types and docs/delivery.md's tables agree
  'test/event-catalog.spec.ts',
  // Delivery: which endpoints, what an attempt came to, when to retry, signatures
  'libs/events/src/event-filter.spec.ts',
  'libs/delivery/src/matching-endpoints.spec.ts',
  'libs/delivery/src/retry-after.spec.ts',
  'libs/delivery/src/reply-outcome.spec.ts',
  'libs/delivery/src/signing.spec.ts',
  'apps/dispatcher/src/delivery/retry-policy.spec.ts',
  'apps/dispatcher/src/delivery/endpoint-guard.spec.ts',
  // Platform: configuration, address policy, partitions, REDIS_URL (parsed, never connected)
  'libs/platform/src/config/load-config.spec.ts',
  'libs/platform/src/config/static-callbacks.spec.ts',
  'libs/platform/src/network/address-policy.spec.ts',
  'libs/platform/src/partitions/partitions.spec.ts',
  'libs/platform/src/event-stream/event-stream.spec.ts',
  'libs/platform/src/redis/redis-url.spec.ts',
];

module.exports = {
  ...base,
  // The real EDC client is for the end-to-end tier only.
  globalSetup: undefined,
  testRegex: undefined,
  testMatch: UNIT_SPECS.map((file) => `<rootDir>/${file}`),
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true } }],
    '^.+\\.lua$': '<rootDir>/test/support/lua-transformer.js',
  },
  testTimeout: 10_000,
};
