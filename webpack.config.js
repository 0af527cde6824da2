// Nest's webpack build (nest-cli.json "webpackConfigPath"), plus one rule: the Redis scripts
// (`*.lua`, next to the store that runs them) are bundled as text.
module.exports = (options) => ({
  ...options,
  module: {
    ...options.module,
    rules: [...(options.module?.rules ?? []), { test: /\.lua$/, type: 'asset/source' }],
  },
});
