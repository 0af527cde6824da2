// ts-node runs of the sources (the tests' spawned apps, the benches, the fault harness): a
// `.lua` file (a Redis script) loads as its text, as webpack bundles it.
const { readFileSync } = require('node:fs');

require.extensions['.lua'] = (module, filename) => {
  module.exports = readFileSync(filename, 'utf8');
};
