// ESLint (flat config): typescript-eslint's recommended rules, import boundaries between the
// libs and the apps, and Prettier for layout (eslint-config-prettier turns off what it owns).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/support/swagger-transformer.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Layers: events <- platform <- delivery <- apps; libs never reach into apps or test/.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './libs', from: './apps', message: 'libs must not depend on the apps' },
            {
              target: './libs',
              from: './test',
              message: 'libs must not depend on test/ (move the test to test/ or give it its own support)',
            },
            { target: './libs/events', from: './libs/platform', message: 'events is the wire contract: it depends on nothing of ours' },
            { target: './libs/events', from: './libs/delivery', message: 'events is the wire contract: it depends on nothing of ours' },
            { target: './libs/platform', from: './libs/delivery', message: 'platform sits below delivery' },
            { target: './apps/api', from: './apps/dispatcher', message: 'the apps share code through libs only' },
            { target: './apps/dispatcher', from: './apps/api', message: 'the apps share code through libs only' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { globals: globals.node, sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
