// Nest's webpack build (nest-cli.json "webpackConfigPath"), plus one rule: the Redis scripts
// (`*.lua`, next to the store that runs them) are bundled as text, their `--- @include` lines
// expanded by the one Lua loader (scripts/lua/).
// Every bundle is written at each build, even when its bytes did not change (webpack's
// compareBeforeEmit skips those): `npm start` compares the bundles' times with the sources', and
// a dispatcher bundle left at its old time after a change to the api alone made every start build.
module.exports = (options) => ({
  ...options,
  output: { ...options.output, compareBeforeEmit: false },
  module: {
    ...options.module,
    rules: [...(options.module?.rules ?? []), { test: /\.lua$/, use: require.resolve('./scripts/lua/webpack-lua-loader.js') }],
  },
});
