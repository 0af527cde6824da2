import { ChildProcess, execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { closedPort } from './support/closed-port';
import { dropKeys, REDIS_URL, testConfig, waitUntil } from './support/harness';

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

/**
 * `npm start` against Redis, twice, as a developer does: the first run builds if a source is
 * newer than the bundles (in CI, on a fresh clone, it builds: the one build of this file), the
 * second finds nothing changed and starts at once (it used to rebuild for about 20 s every
 * time). Both print the api's banner as their last lines: Nest's 87 lines of modules and route
 * mapping, written after it, scrolled the key and the URLs away (issue 21, item 5).
 */
describe('npm start with Redis', () => {
  const config = testConfig();
  let run: ChildProcess | undefined;

  afterEach(async () => {
    if (run && run.exitCode === null && run.signalCode === null) {
      run.kill('SIGTERM');
      await new Promise((done) => run!.once('exit', done));
    }
  });
  afterAll(() => dropKeys(config));

  /** Runs `npm start` until its banner has been printed again and the output has settled; then Ctrl-C. */
  async function npmStart(): Promise<{ lines: string[]; exitCode: number | null; keyAnswer: number }> {
    const [apiPort, dispatcherPort] = [await closedPort(), await closedPort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_URL,
      REDIS_PREFIX: config.redisPrefix,
      API_PORT: String(apiPort),
      DISPATCHER_PORT: String(dispatcherPort),
    };
    delete env.MANAGEMENT_API_KEY; // the banner shows the generated one
    delete env.LOG_LEVEL;
    const child = (run = spawn(process.execPath, ['scripts/start.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    // A build can take a minute on a busy machine; the banner comes 0.5 s after the last log line.
    await waitUntil(() => out.includes('Ctrl-C stops both') || child.exitCode !== null, 170_000, `npm start's banner:\n${out}`);
    let length = -1;
    await waitUntil(() => (out.length === length ? true : ((length = out.length), false)), 10_000, 'npm start to settle');
    await new Promise((settle) => setTimeout(settle, 1000));
    const key = /^\s+API key\s+(\S+)/m.exec(out)?.[1] ?? '';
    const keyAnswer = (await fetch(`http://localhost:${apiPort}/management/v3/secrets`, { headers: { 'x-api-key': key } })).status;
    child.kill('SIGINT');
    return { lines: out.split('\n').filter((line) => line.trim() !== ''), exitCode: await exited, keyAnswer };
  }

  it('prints the banner last, with the key that opens the api, and no route mapping', async () => {
    const { lines, exitCode, keyAnswer } = await npmStart();
    const banner = lines.slice(-6);
    expect(banner[0]).toMatch(/^api listening on http:\/\/localhost:\d+ /);
    expect(banner.map((line) => line.trim().split(/\s{2,}/)[0])).toEqual([
      expect.stringMatching(/^api listening on/),
      'Management API',
      'Bull Board',
      'Deliveries',
      'Health',
      'API key',
    ]);
    expect(lines.at(-7)).toBe('Running (api and dispatcher); Ctrl-C stops both.');
    expect(lines.filter((line) => /RouterExplorer|RoutesResolver|InstanceLoader|Mapped \{/.test(line))).toEqual([]);
    expect(banner[5]).toMatch(/^\s+API key\s+\S{16,}\s+\(generated/);
    expect(keyAnswer).toBe(200);
    expect(exitCode).toBe(0);
  }, 200_000);

  it('starts without building when nothing changed since the last build', async () => {
    const { lines, exitCode } = await npmStart();
    expect(lines[0]).toBe('build: up to date (nothing changed since the last build)');
    expect(lines.filter((line) => /nest build|webpack/.test(line))).toEqual([]);
    expect(lines.at(-1)).toMatch(/^\s+API key\s/);
    expect(exitCode).toBe(0);
  }, 60_000);
});
