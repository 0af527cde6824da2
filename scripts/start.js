#!/usr/bin/env node
// `npm start`: runs the built api and dispatcher together for development, prefixing their
// output. The api starts first so a missing Redis is reported once; if either process ends,
// the other is stopped and the exit code is passed on. Ctrl-C stops both cleanly.
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const children = new Map();
let stopping = false;

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
      const lines = (rest + data).split('\n');
      rest = lines.pop();
      for (const line of lines) process.stdout.write(`[${name}] ${line}\n`);
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

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

(async () => {
  if (!(await start('api'))) return;
  await start('dispatcher');
})();
