import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { closedPort } from './support/closed-port';

const ROOT = resolve(__dirname, '..');

/**
 * `npm start` (scripts/start.js) says Redis is missing before it builds anything: it used to
 * spend about 20 s building, every time, before finding that out (issue 21, item 5).
 */
describe('npm start without Redis', () => {
  it('exits 1 at once with one sentence naming REDIS_URL, and builds nothing', async () => {
    const redisUrl = `redis://127.0.0.1:${await closedPort()}`;
    const run = promisify(execFile)(process.execPath, ['scripts/start.js'], { cwd: ROOT, env: { ...process.env, REDIS_URL: redisUrl } });
    const failure = await run.then(
      () => undefined,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr.trim()).toBe(
      `Redis is not answering at ${redisUrl}: start one (redis-server, or docker compose up -d redis) or set REDIS_URL.`,
    );
    expect(failure?.stdout).not.toMatch(/build|nest/);
  });
});
