// Jest: a `.lua` file (a Redis script) imports as its text, as webpack bundles it.
module.exports = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(source)};` };
  },
};
