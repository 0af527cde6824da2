#!/usr/bin/env node
// `npm start`: runs the built api and dispatcher together for development, prefixing their
// output. Before anything else it checks that Redis answers (a missing Redis is said in one
// sentence, before any build); it builds only when a source is newer than the bundles. The api
// starts first; if either process ends, the other is stopped and the exit code is passed on.
// Once both run and their start-up logs have settled, the api's banner (URLs, API key) is
// printed again, last, so the route mapping lines do not scroll it away. Ctrl-C stops both.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const children = new Map();
let stopping = false;
/** The api's banner lines, from "api listening on" to the API key. */
const banner = [];
let lastOutputAt = Date.now();

/** Resolves when a plain redis:// URL answers a PING (any reply, even NOAUTH, means Redis is there). */
function redisAnswers(redisUrl) {
  const url = new URL(redisUrl);
  if (url.protocol !== 'redis:') return Promise.resolve(true); // TLS, cluster: the apps check these
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname || '127.0.0.1', port: Number(url.port || 6379) });
    const done = (ok) => (socket.destroy(), resolve(ok));
    socket.setTimeout(3000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', () => done(true));
  });
}

/** The newest modification time under `dir` (files only), or 0. */
function newest(dir) {
  if (!fs.existsSync(dir)) return 0;
  const stat = fs.statSync(dir);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(dir).map((entry) => newest(path.join(dir, entry))));
}

/** Builds both apps when a bundle is missing or older than a source or build setting. */
function buildIfChanged() {
  const bundles = ['api', 'dispatcher'].map((app) => path.join(root, 'dist/apps', app, 'main.js'));
  const built = Math.min(...bundles.map((file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0)));
  const inputs = ['apps', 'libs', 'package-lock.json', 'nest-cli.json', 'tsconfig.json', 'tsconfig.build.json', 'webpack.config.js'];
  const changed = Math.max(...inputs.map((input) => newest(path.join(root, input))));
  if (built > changed) {
    process.stdout.write('build: up to date (nothing changed since the last build)\n');
    return;
  }
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function start(name) {
  const child = spawn(process.execPath, [path.join(root, 'dist/apps', name, 'main.js')], {
    cwd: root,
    // Readable lines for a person at a terminal; production runs keep the JSON default.
    env: { LOG_FORMAT: 'pretty', ...process.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (data) => {
      lastOutputAt = Date.now();
      const lines = (rest + data).split('\n');
      rest = lines.pop();
      for (const line of lines) {
        // The banner's last line is the key's ("API key  ..."; the Bull Board line mentions the key too).
        if (name === 'api' && (banner.length > 0 ? !/^\s*API key\s/.test(banner.at(-1)) : line.includes('api listening on')))
          banner.push(line);
        process.stdout.write(`[${name}] ${line}\n`);
      }
    });
    stream.on('end', () => rest && process.stdout.write(`[${name}] ${rest}\n`));
  }
  children.set(name, child);
  return new Promise((resolve) => {
    child.stdout.on('data', (data) => String(data).includes('listening on') && resolve(true));
    let listening = false;
    child.stdout.on('data', (data) => (listening ||= String(data).includes('listening on')));
    child.on('exit', (code, signal) => {
      children.delete(name);
      resolve(false);
      if (stopping) return;
      // A start-up failure has already said why; a crash later gets a line of its own.
      if (listening) process.stdout.write(`[${name}] exited (${signal ?? code}); stopping the rest\n`);
      stop(code || 1);
    });
  });
}

function stop(code) {
  stopping = true;
  if (children.size === 0) process.exit(code);
  for (const child of children.values()) child.kill('SIGTERM');
  const wait = setInterval(() => children.size === 0 && (clearInterval(wait), process.exit(code)), 50);
}

/** Prints the api's banner again once no output has come for half a second. */
async function bannerLast() {
  while (!stopping && Date.now() - lastOutputAt < 500) await new Promise((resolve) => setTimeout(resolve, 100));
  if (stopping || banner.length === 0) return;
  process.stdout.write(`\nRunning (api and dispatcher); Ctrl-C stops both.\n${banner.join('\n')}\n`);
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

(async () => {
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  if (!(await redisAnswers(redisUrl))) {
    process.stderr.write(
      `Redis is not answering at ${redisUrl}: start one (redis-server, or docker compose up -d redis) or set REDIS_URL.\n`,
    );
    process.exit(1);
  }
  if (!process.argv.includes('--no-build')) buildIfChanged();
  if (!(await start('api'))) return;
  if (!(await start('dispatcher'))) return;
  await bannerLast();
})();
