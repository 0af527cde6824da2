import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gatheredLines } from './gathered-lines';

describe('gathered log lines', () => {
  it('writes the lines of up to 100 ms to stdout in one write', async () => {
    const writes: string[] = [];
    // Only stdout's writes are taken (and not printed); anything else goes through.
    const writeSync = fs.writeSync;
    const spy = jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: string | Uint8Array, ...rest: never[]) => {
      if (fd !== 1) return writeSync(fd, data as string, ...rest);
      writes.push(String(data));
      return Buffer.byteLength(data as string);
    }) as typeof fs.writeSync);
    try {
      const lines = gatheredLines();
      for (const n of [1, 2, 3]) lines.write(`{"n":${n}}\n`);
      expect(writes).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n']);
    } finally {
      spy.mockRestore();
    }
  });

  it('writes what it has gathered when the process exits, before the 100 ms are up', async () => {
    const script = `const lines = require('./libs/platform/src/logging/gathered-lines').gatheredLines();
      lines.write('{"n":1}\\n'); lines.write('{"n":2}\\n'); process.exit(0);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: path.resolve(__dirname, '../../../..'),
      env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json' },
    });
    expect(stdout).toBe('{"n":1}\n{"n":2}\n');
  });
});
