import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the build tools' loader is plain CommonJS
const { luaSource } = require('../scripts/lua/lua-source') as { luaSource: (file: string, files?: Set<string>) => string };

const ROOT = resolve(__dirname, '..');

function luaFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return luaFiles(path);
    return name.endsWith('.lua') ? [path] : [];
  });
}

/** Issue 27, item 2: scripts include their fragments by `--- @include`, resolved by one loader. */
describe('the Lua loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lua-includes-'));
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('puts each included file in place of its line, once, nested includes first', () => {
    write('a.lua', 'local function a() end');
    write('b.lua', '--- @include "a.lua"\nlocal function b() a() end');
    write('main.lua', '--[[ header ]]\n--- @include "a.lua"\n--- @include "b.lua"\nb()');
    expect(luaSource(join(dir, 'main.lua'))).toBe(
      '--[[ header ]]\nlocal function a() end\n-- (a.lua: included above)\nlocal function b() a() end\nb()',
    );
  });

  it('refuses a cycle, naming it', () => {
    write('x.lua', '--- @include "y.lua"');
    write('y.lua', '--- @include "x.lua"');
    expect(() => luaSource(join(dir, 'x.lua'))).toThrow(/Lua include cycle: .*x\.lua -> .*y\.lua -> .*x\.lua/);
  });

  it('expands every script of the product, leaving no directive, and each fragment it calls comes before it', () => {
    const scripts = [...luaFiles(join(ROOT, 'apps')), ...luaFiles(join(ROOT, 'libs'))];
    expect(scripts.length).toBeGreaterThan(20);
    for (const file of scripts) {
      const source = luaSource(file);
      expect(source).not.toMatch(/^--- @include/m);
      const code = source.replace(/--\[\[[^]*?\]\]/g, '').replace(/--.*$/gm, '');
      for (const fn of ['appendEvent', 'joinLanes', 'remember', 'seen']) {
        const call = code.search(new RegExp(`(?<!function )\\b${fn}\\(`));
        if (call >= 0)
          expect({
            file,
            fn,
            definedBeforeUse: code.indexOf(`local function ${fn}(`) >= 0 && code.indexOf(`local function ${fn}(`) < call,
          }).toEqual({ file, fn, definedBeforeUse: true });
      }
    }
  });
});
