// The project's compiler options as the jest transformers emit with them: tsconfig.json, for
// CommonJS, with an inline source map (stack traces point at the .ts lines).
const { createHash } = require('node:crypto');
const path = require('node:path');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '../..');
const parsed = ts.getParsedCommandLineOfConfigFile(
  path.join(ROOT, 'tsconfig.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  },
);
const compilerOptions = {
  ...parsed.options,
  module: ts.ModuleKind.CommonJS,
  sourceMap: false,
  inlineSourceMap: true,
  inlineSources: true,
  declaration: false,
  noEmit: false,
  outDir: undefined,
};

module.exports = {
  ROOT,
  compilerOptions,
  fileNames: parsed.fileNames,
  optionsKey: createHash('sha256').update(JSON.stringify(compilerOptions)).update(ts.version).digest('hex'),
};
