// Jest: a `.lua` file (a Redis script) imports as its text with its includes expanded, as webpack
// bundles it (scripts/lua/lua-source.js).
const { luaSource } = require('../../scripts/lua/lua-source');

module.exports = {
  process(_source, filename) {
    return { code: `module.exports = ${JSON.stringify(luaSource(filename))};` };
  },
  // The includes are not in jest's cache key: a changed fragment must not reuse a stale script.
  getCacheKey(_source, filename) {
    const files = new Set();
    return require('node:crypto').createHash('sha256').update(luaSource(filename, files)).digest('hex');
  },
};
