// webpack: a `.lua` file bundles as its text with its includes expanded (scripts/lua/lua-source.js).
const { luaSource } = require('./lua-source');

module.exports = function luaLoader() {
  const files = new Set();
  const source = luaSource(this.resourcePath, files);
  for (const file of files) this.addDependency(file);
  return `module.exports = ${JSON.stringify(source)};`;
};
