// `npm run test:unit`: the fast tier, every `*.spec.ts` (tiers are named by file, see
// docs/architecture.md, "Tests"). Pure logic only, no Redis, no Nest app, no socket, so it runs
// in seconds on a machine with nothing else started. Each file is transpiled alone, DTOs too
// (no type check: `npm run typecheck` does that), without the Swagger plugin: no DTO here is
// read for its OpenAPI description. A test that needs Redis or a socket is an `*.int-spec.ts` or an
// `*.e2e-spec.ts`, which this pattern does not match (`-spec`, not `.spec`).
const base = require('./package.json').jest;

module.exports = {
  ...base,
  testRegex: '\\.spec\\.ts$',
  transform: {
    '^.+\\.ts$': '<rootDir>/test/support/transpile-transformer.js',
    '^.+\\.lua$': '<rootDir>/test/support/lua-transformer.js',
  },
  testTimeout: 10_000,
};
