/**
 * CPU per POST of the dispatcher's HTTP client against axios configured as the dispatcher used
 * it before (docs/performance.md, "The dispatcher's hot path"): the same keep-alive agent, the
 * same envelope-sized body and headers, 50 in flight, to a receiver in another process. CPU is
 * this process's user + system time, so the receiver's work is not counted.
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/http-client-cost.ts
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import axios from 'axios';
import { postWithDeadline } from '../libs/delivery/src/post-with-deadline';

const POSTS = Number(process.env.POSTS ?? 20_000);
const IN_FLIGHT = 50;
const ROUNDS = 3;

const RECEIVER = `
const http = require('node:http');
const server = http.createServer({ keepAliveTimeout: 60000 }, (req, res) => req.resume().on('end', () => res.end('ok')));
server.listen(0, '127.0.0.1', () => process.send(server.address().port));`;

async function main(): Promise<void> {
  const receiver = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => receiver.once('message', (p) => resolve(Number(p))));
  const uri = `http://127.0.0.1:${port}/cb`;
  const body = JSON.stringify({
    id: crypto.randomUUID(),
    at: Date.now(),
    type: 'TransferProcessInitiated',
    payload: { transferProcessId: crypto.randomUUID(), pad: 'x'.repeat(250) },
  });
  const headers = () => ({
    'content-type': 'application/json',
    'user-agent': 'edc-callback-service',
    'webhook-id': 'id',
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'x-event-sequence': '1',
  });
  const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 256 }), https: new https.Agent({ keepAlive: true }) };
  const client = axios.create({
    httpAgent: agents.http,
    maxRedirects: 0,
    transformRequest: [(b: string) => b],
    transformResponse: [],
    proxy: false,
    responseType: 'stream',
    validateStatus: () => true,
    timeout: 10_000,
  });

  const clients: [string, () => Promise<unknown>][] = [
    [
      'axios (before)',
      async () => {
        const reply = await client.post<Readable>(uri, body, { headers: headers(), signal: AbortSignal.timeout(10_000) });
        for await (const _ of reply.data);
      },
    ],
    [
      'node:http (postWithDeadline)',
      () => postWithDeadline(uri, body, { agent: agents.http, headers: headers(), timeoutMs: 10_000, readLimit: 1024 }),
    ],
  ];
  for (let round = 1; round <= ROUNDS; round++)
    for (const [name, post] of clients) {
      let next = 0;
      const before = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next++ < POSTS) await post();
        }),
      );
      const cpu = process.cpuUsage(before);
      const perPost = (cpu.user + cpu.system) / POSTS;
      console.log(
        `round ${round}: ${name.padEnd(28)} ${perPost.toFixed(0).padStart(4)} µs CPU per POST, ${Math.round(POSTS / ((performance.now() - t0) / 1000))} POSTs/s`,
      );
    }
  agents.http.destroy();
  receiver.kill();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
