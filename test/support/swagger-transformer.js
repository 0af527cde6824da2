// Jest: DTOs and controllers compiled with the @nestjs/swagger compiler plugin, as the webpack
// build compiles them (nest-cli.json), so tests see the same OpenAPI description. The plugin
// reads types, so this needs a program of the whole project: made once per jest worker, and
// only when a file is not in jest's cache. A file's output depends on the types of others (a
// nested DTO, an enum), so its cache key covers every source of apps/ and libs/.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const ts = require('typescript');
const plugin = require('@nestjs/swagger/plugin');
const { ROOT, compilerOptions, fileNames, optionsKey } = require('./typescript-options');

const PLUGIN_OPTIONS = {
  classValidatorShim: true,
  introspectComments: true,
  dtoFileNameSuffix: ['.dto.ts'],
  controllerFileNameSuffix: ['.controller.ts'],
};

let sourcesKey;
function projectSourcesKey() {
  if (!sourcesKey) {
    const hash = createHash('sha256').update(optionsKey).update(JSON.stringify(PLUGIN_OPTIONS));
    for (const file of fileNames)
      if (file.startsWith(`${ROOT}/apps/`) || file.startsWith(`${ROOT}/libs/`)) hash.update(file).update(readFileSync(file));
    sourcesKey = hash.digest('hex');
  }
  return sourcesKey;
}

let program;

module.exports = {
  process(_source, filename) {
    program ??= ts.createProgram({ rootNames: fileNames, options: compilerOptions });
    const sourceFile = program.getSourceFile(filename);
    if (!sourceFile) throw new Error(`${filename} is not in tsconfig.json's program`);
    let code;
    program.emit(sourceFile, (name, text) => (name.endsWith('.js') ? (code = text) : undefined), undefined, false, {
      before: [plugin.before(PLUGIN_OPTIONS, program)],
    });
    return { code };
  },
  getCacheKey(source, filename) {
    return createHash('sha256').update(projectSourcesKey()).update(filename).update(source).digest('hex');
  },
};
