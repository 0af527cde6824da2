// Jest: a TypeScript file transpiled alone (TypeScript's transpileModule), with no type check:
// `npm run typecheck` checks types once for the whole project, where a type-checked compile in
// every jest worker cost seconds of CPU per test file. DTOs and controllers go through
// swagger-transformer.js instead (package.json, jest.transform).
const { createHash } = require('node:crypto');
const ts = require('typescript');
const { compilerOptions, optionsKey } = require('./typescript-options');

module.exports = {
  process(source, filename) {
    return { code: ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText };
  },
  getCacheKey(source, filename) {
    return createHash('sha256').update(optionsKey).update(filename).update(source).digest('hex');
  },
};
