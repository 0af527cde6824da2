import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The dispatcher validates no request and describes no API, so it never loads the request
 * DTOs' libraries: class-validator, class-transformer and @nestjs/swagger (what they cost an
 * idle dispatcher: docs/performance.md, "Where it stands: the fifth pass"). Read from the
 * dispatcher module's import graph, in a process of its own (jest's module registry is not
 * Node's).
 */
describe("the dispatcher's footprint", () => {
  it('loads neither class-validator, class-transformer nor @nestjs/swagger', async () => {
    const root = path.resolve(__dirname, '..');
    const script =
      "require('reflect-metadata'); require('./apps/dispatcher/src/dispatcher.module');" +
      'const loaded = new Set(Object.keys(require.cache).map((f) => (/node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(f) || [])[1]));' +
      "console.log(JSON.stringify(['class-validator', 'class-transformer', '@nestjs/swagger', '@nestjs/core', 'bullmq'].filter((p) => loaded.has(p))));";
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script],
      { cwd: root, env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json' } },
    );
    // @nestjs/core and bullmq show that the graph was read at all.
    expect(JSON.parse(stdout)).toEqual(['@nestjs/core', 'bullmq']);
  }, 60_000);
});
