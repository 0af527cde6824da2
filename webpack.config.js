// Nest's webpack build (nest-cli.json "webpackConfigPath"), plus one rule: the Redis scripts
// (`*.lua`, next to the store that runs them) are bundled as text, their `--- @include` lines
// expanded by the one Lua loader (scripts/lua/).
module.exports = (options) => ({
  ...options,
  module: {
    ...options.module,
    rules: [...(options.module?.rules ?? []), { test: /\.lua$/, use: require.resolve('./scripts/lua/webpack-lua-loader.js') }],
  },
});
