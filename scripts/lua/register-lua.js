// ts-node runs of the sources (the tests' spawned apps, the benches, the fault harness): a
// `.lua` file (a Redis script) loads as its text with its includes expanded, as webpack bundles it.
const { luaSource } = require('./lua-source');

require.extensions['.lua'] = (module, filename) => {
  module.exports = luaSource(filename);
};
