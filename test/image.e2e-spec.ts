import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Build, buildDockerfile } from './support/dockerfile-build';
import { freePort } from './support/dedicated-redis';
import { dropKeys, testEnv, waitUntil } from './support/harness';

const ROOT = resolve(__dirname, '..');
/** The build runs nest twice (about 30 s of CPU) on a shared machine. */
const BUILD_TIMEOUT_MS = 240_000;

interface Container {
  child: ChildProcess;
  env: NodeJS.ProcessEnv;
  port: number;
  output: () => string;
  exited: Promise<number | string>;
}

/**
 * Issue 21, item 1: the image boots. Docker is not on these machines, so the Dockerfile is run
 * by test/support/dockerfile-build.ts from exactly what it copies (its COPY lines, minus
 * .dockerignore), and both apps are started from the image's files, as its command and the
 * compose file and manifests start them, against Redis: each must answer /health/ready, pass
 * the image's own HEALTHCHECK, and stop with 0 on SIGTERM. (Before: the context lacked
 * webpack.config.js, the bundle could not load its .lua scripts, and both apps exited 1.)
 */
describe('the Dockerfile, built from its own context, gives an image whose two apps run', () => {
  const out = mkdtempSync(join(tmpdir(), 'callback-image-'));
  const env = testEnv({ COUNTERPARTY_MODE: 'manual', LOG_LEVEL: 'info' });
  let build: Build;
  let containers: Container[] = [];

  /** `docker run` of the image with `command` (the image's CMD when absent). */
  const runImage = (command: string[] | undefined, settings: Record<string, string>, port: number): Container => {
    const image = build.image;
    const argv = [...(image.entrypoint ?? []), ...(command ?? image.cmd ?? [])].filter((a) => !/(^|\/)tini$/.test(a) && a !== '--');
    // A container's environment: the image's ENV and what compose or Kubernetes set, not this shell's.
    const containerEnv = { PATH: process.env.PATH, HOME: out, ...image.env, ...settings };
    const [file, ...args] = argv;
    const child = spawn(file === 'node' ? process.execPath : file, args, {
      cwd: join(image.root, image.workdir),
      env: containerEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout!.on('data', (d) => (text += d));
    child.stderr!.on('data', (d) => (text += d));
    const exited = new Promise<number | string>((done) => child.on('exit', (code, signal) => done(code ?? signal ?? -1)));
    const container = { child, env: containerEnv, port, output: () => text, exited };
    containers.push(container);
    return container;
  };

  beforeAll(async () => {
    build = await buildDockerfile(ROOT, out);
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    for (const c of containers) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await Promise.all(containers.map((c) => c.exited));
    containers = [];
    rmSync(out, { recursive: true, force: true });
    await dropKeys({ redisUrl: env.REDIS_URL!, redisPrefix: env.REDIS_PREFIX! });
  });

  it('is multi-stage, runs as a non-root user under an init, with a HEALTHCHECK, and carries no dev dependency', () => {
    const image = build.image;
    expect(build.stages.length).toBeGreaterThan(1);
    expect(image.user).toBeDefined();
    expect(['root', '0']).not.toContain(image.user!.split(':')[0]);
    expect(image.entrypoint?.some((a) => /(^|\/)tini$/.test(a))).toBe(true);
    expect(build.skipped.join(' ')).toContain('tini'); // installed by apt-get, which only Docker runs
    expect(image.healthcheck).toBeDefined();
    expect(image.env.NODE_ENV).toBe('production');
    const modules = join(image.root, image.workdir, 'node_modules');
    for (const prod of ['@nestjs/core', 'bullmq', 'ioredis']) expect(existsSync(join(modules, prod))).toBe(true);
    for (const dev of ['@nestjs/cli', 'jest', 'webpack', 'ts-node', 'eslint']) expect(existsSync(join(modules, dev))).toBe(false);
    // The base image's Node is the one this test runs the apps with.
    expect(image.base).toMatch(new RegExp(`^node:${process.versions.node.split('.')[0]}\\b`));
  });

  it('starts the api (the image command) and the dispatcher (the same image), both ready on Redis, healthy, and stopping with 0', async () => {
    const [apiPort, dispatcherPort] = [await freePort(), await freePort()];
    const settings = {
      REDIS_URL: env.REDIS_URL!,
      REDIS_PREFIX: env.REDIS_PREFIX!,
      MANAGEMENT_API_KEY: env.MANAGEMENT_API_KEY!,
      COUNTERPARTY_MODE: 'manual',
      API_PORT: String(apiPort),
      DISPATCHER_PORT: String(dispatcherPort),
    };
    const api = runImage(undefined, settings, apiPort);
    const dispatcher = runImage(['node', 'dist/apps/dispatcher/main.js'], settings, dispatcherPort);
    for (const [name, c] of [
      ['api', api],
      ['dispatcher', dispatcher],
    ] as const) {
      await waitUntil(
        async () => {
          if (c.child.exitCode !== null) throw new Error(`${name} exited ${c.child.exitCode}:\n${c.output()}`);
          const res = await fetch(`http://127.0.0.1:${c.port}/health/ready`).catch(() => undefined);
          return res?.status === 200;
        },
        30_000,
        `${name} ready`,
      );
      const [file, ...args] = build.image.healthcheck!;
      await promisify(execFile)(file === 'node' ? process.execPath : file, args, {
        cwd: join(build.image.root, build.image.workdir),
        env: c.env,
      });
    }
    for (const c of [api, dispatcher]) c.child.kill('SIGTERM');
    expect(await Promise.all([api.exited, dispatcher.exited])).toEqual([0, 0]);
  }, 60_000);
});
