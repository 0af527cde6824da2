import fs from 'node:fs';
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
});
