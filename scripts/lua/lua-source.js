// The one loader of the Redis scripts: a `.lua` file's text with its `--- @include "<file>"`
// lines replaced by the files they name, as BullMQ's own loader does. webpack
// (webpack.config.js), jest (test/support/lua-transformer.js) and ts-node
// (scripts/register-lua.js) all load a script through it, so a script is the same text wherever
// it runs.
//
// A name is relative to the including file, or `@app/<lib>/...` for `libs/<lib>/src/...`. Each
// file is included once per script, at its first mention (a fragment that another included
// fragment also includes is not repeated); a cycle is refused.
const { readFileSync } = require('node:fs');
const { dirname, resolve } = require('node:path');

const ROOT = resolve(__dirname, '../..');
const INCLUDE = /^--- @include "([^"]+)"[ \t]*$/gm;

function resolveInclude(name, from) {
  const lib = /^@app\/([a-z-]+)\/(.+)$/.exec(name);
  return lib ? resolve(ROOT, 'libs', lib[1], 'src', lib[2]) : resolve(dirname(from), name);
}

/** The script at `file`, its includes expanded; `files` collects every file read (for watchers). */
function luaSource(file, files = new Set(), stack = []) {
  files.add(file);
  return readFileSync(file, 'utf8').replace(INCLUDE, (_line, name) => {
    const included = resolveInclude(name, file);
    if ([...stack, file].includes(included)) throw new Error(`Lua include cycle: ${[...stack, file, included].join(' -> ')}`);
    if (files.has(included)) return `-- (${name}: included above)`;
    return luaSource(included, files, [...stack, file]).trimEnd();
  });
}

module.exports = { luaSource };
