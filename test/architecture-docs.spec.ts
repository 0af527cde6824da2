import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/**
 * docs/architecture.md sends a newcomer to files by path ("Where things live", "The path of an
 * event, file by file"): every path it names must exist, so a move or a rename that forgets the
 * docs fails here.
 */
describe('docs/architecture.md', () => {
  const doc = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
  const named = [...doc.matchAll(/`((?:apps|libs|scripts|test|deploy|bench)\/[A-Za-z0-9_./-]+?)\/?`/g)].map((m) => m[1]);

  it('names files and folders that exist', () => {
    expect(named.length).toBeGreaterThan(30);
    expect(named.filter((p) => !existsSync(path.join(ROOT, p)))).toEqual([]);
  });
});
