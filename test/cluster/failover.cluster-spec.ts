import { execFile } from 'node:child_process';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import { AppConfig, Partition } from '@app/platform';
import { startApi, startDispatcher, testConfig, transferRequest, waitUntil, API_KEY } from '../support/harness';
import { Receiver } from '../support/receiver';
import { partitionsOf } from '../support/redis-keys';

/**
 * Issue 13, item 6: on a Redis Cluster of 3 masters and 3 replicas, a master killed with
 * SIGKILL during a burst of creates. Its replica takes over; the api and the dispatcher, never
 * restarted, take writes again and deliver what they accepted, apart from what Redis's
 * asynchronous replication lost: writes the master acknowledged but had not yet sent to its
 * replica when it died. That window is counted and printed, not required to be empty (see
 * docs/operations.md, "Redis Cluster: partitions, sizing, failover", for WAIT and appendfsync).
 *
 * The cluster is this file's own (ports 7200-7205, node timeout 2 s), whatever REDIS_URL the
 * run points at: `npm run test:cluster` runs the other files on the 3-master cluster of 7100.
 */
const ROOT = path.resolve(__dirname, '../..');
const FIRST_PORT = Number(process.env.FAILOVER_FIRST_PORT ?? 7200);
const CREATORS = 4; // requests in flight at once during the burst
// A pause between two creates of a loop: enough writes in flight at the kill, without taking the
// CPU from the other cluster specs that jest runs beside this one (key-spread's 10,000 events).
const PAUSE_MS = 20;
const BEFORE_KILL_MS = 2000;
const AFTER_FAILOVER_MS = 3000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const run = promisify(execFile);
const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-p', String(port), ...args])).stdout;
const cluster = (action: 'start' | 'stop') =>
  run('bash', ['scripts/redis-cluster.sh', action, String(FIRST_PORT)], { cwd: ROOT, env: { ...process.env, REPLICAS: '1' } });

interface ClusterNode {
  id: string;
  port: number;
  role: 'master' | 'slave';
  masterId: string;
  slots: [number, number][];
}

/** CLUSTER NODES as seen from `port`, without the nodes it knows to have failed. */
async function clusterNodes(port: number): Promise<ClusterNode[]> {
  return (await cli(port, 'cluster', 'nodes'))
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([, , flags]) => !flags.includes('fail'))
    .map(([id, address, flags, masterId, , , , , ...slots]) => ({
      id,
      port: Number(/:(\d+)@/.exec(address)![1]),
      role: flags.includes('master') ? ('master' as const) : ('slave' as const),
      masterId,
      slots: slots
        .filter((s) => !s.startsWith('['))
        .map((s) => s.split('-').map(Number) as [number, number])
        .map(([a, b]) => [a, b ?? a] as [number, number]),
    }));
}

/** One POST over a keep-alive agent: the status and the body's `@id`, or status 0 if no answer. */
function post(agent: http.Agent, url: string, body: object): Promise<{ status: number; id?: string; text: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let id: string | undefined;
          try {
            id = JSON.parse(text)['@id'];
          } catch {
            id = undefined;
          }
          resolve({ status: res.statusCode ?? 0, id, text });
        });
      },
    );
    req.on('error', (err) => resolve({ status: 0, text: err.message }));
    req.end(payload);
  });
}

function get(agent: http.Agent, url: string): Promise<number> {
  return new Promise((resolve) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', () => resolve(0));
  });
}

describe('a Redis Cluster master killed during a burst (3 masters, 3 replicas, a cluster of its own)', () => {
  let config: AppConfig;
  let receiver: Receiver;
  let api: INestApplication | undefined;
  let dispatcher: INestApplication | undefined;
  let agent: http.Agent;
  let probe: Redis | undefined;
  let clusterUp = false;

  beforeAll(async () => {
    const { stdout } = await cluster('start');
    clusterUp = true;
    receiver = await Receiver.start();
    config = testConfig({ REDIS_URL: stdout.trim(), COUNTERPARTY_MODE: 'manual', LOG_LEVEL: 'error', API_PORT: '0', DISPATCHER_PORT: '0' });
    api = await startApi(config);
    await api.listen(0, '127.0.0.1');
    dispatcher = await startDispatcher(config);
    await dispatcher.listen(0, '127.0.0.1');
    agent = new http.Agent({ keepAlive: true, maxSockets: CREATORS + 2 });
  }, 60_000);

  afterAll(async () => {
    probe?.disconnect();
    await api?.close();
    await dispatcher?.close();
    agent?.destroy();
    await receiver?.close();
    if (clusterUp) await cluster('stop');
    // A cluster client closes the side connections it opened to refresh its slot map with a
    // 2 s timer of ioredis' own, which closing the client does not clear: let those run out.
    await sleep(2500);
  }, 30_000);

  it('fails over to the replica; the apps recover without a restart and deliver what they accepted, bar the replication window', async () => {
    const base = (app: INestApplication) => `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const apiUrl = base(api!);
    const callbackAddresses = [{ uri: `${receiver.url}/failover`, events: ['transfer.process'] }];
    const partitions = partitionsOf(config);

    // The victim: the master of the second third of the slots, and the replica that will take over.
    const before = await clusterNodes(FIRST_PORT);
    const victim = before.find((n) => n.role === 'master' && n.slots.some(([a]) => a > 0 && a < 10_000))!;
    const heir = before.find((n) => n.role === 'slave' && n.masterId === victim.id)!;
    const owns = (p: Partition) => victim.slots.some(([a, b]) => calculateSlot(p.tag) >= a && calculateSlot(p.tag) <= b);
    const victimPartitions = partitions.all.filter(owns);
    expect(victimPartitions.length).toBeGreaterThan(0);
    const pid = Number(/process_id:(\d+)/.exec(await cli(victim.port, 'info', 'server'))![1]);

    // The burst: CREATORS loops of creates, from before the kill to after the failover.
    const accepted: { id: string; sentAt: number; at: number }[] = [];
    const statuses = new Map<number, number>();
    const unexpected: string[] = [];
    let slowestMs = 0;
    let stop = false;
    const creator = async () => {
      while (!stop) {
        const sentAt = Date.now();
        const res = await post(agent, `${apiUrl}/management/v3/transferprocesses`, transferRequest({ callbackAddresses }));
        slowestMs = Math.max(slowestMs, Date.now() - sentAt);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200 && res.id) accepted.push({ id: res.id, sentAt, at: Date.now() });
        else if (res.status === 503)
          await sleep(50); // refused, not accepted: the client tries again later
        else unexpected.push(`${res.status} ${res.text.slice(0, 200)}`);
        await sleep(PAUSE_MS);
      }
    };
    const creators = Array.from({ length: CREATORS }, creator);

    await sleep(BEFORE_KILL_MS);
    const acceptedBeforeKill = accepted.length;
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');

    // Failover: the first write the promoted replica takes, on a key of one of the victim's slots.
    probe = new Redis({ port: heir.port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: true });
    probe.on('error', () => undefined);
    const probeKey = `${victimPartitions[0].tag}:failover-probe`;
    await waitUntil(
      () =>
        probe!.set(probeKey, '1', 'PX', 60_000).then(
          () => true,
          () => false,
        ),
      30_000,
      `the replica on ${heir.port} to take writes`,
    );
    const failoverMs = Date.now() - killedAt;
    // And the first create, sent after the kill, that the api accepted into one of the victim's partitions.
    const inVictim = (id: string) => owns(partitions.of(id));
    const firstBack = () => accepted.find((a) => a.sentAt > killedAt && inVictim(a.id));
    await waitUntil(() => !!firstBack(), 30_000, "a create accepted into the dead master's partitions");
    const apiBackMs = firstBack()!.at - killedAt;
    await sleep(AFTER_FAILOVER_MS);
    stop = true;
    await Promise.all(creators);

    // Both apps report UP again, never having been restarted.
    await waitUntil(async () => (await get(agent, `${apiUrl}/health`)) === 200, 15_000, 'the api UP');
    await waitUntil(async () => (await get(agent, `${base(dispatcher!)}/health`)) === 200, 15_000, 'the dispatcher UP');

    // Every accepted create delivered, but for the replication window: wait until all are, or
    // until nothing new has arrived for a while (what is left then will not come).
    const delivered = () => new Set(receiver.callsTo('/failover').map((c) => c.json?.payload?.transferProcessId));
    let last = -1;
    let stillSince = Date.now();
    await waitUntil(
      () => {
        const seen = accepted.filter((a) => delivered().has(a.id)).length;
        if (seen !== last) [last, stillSince] = [seen, Date.now()];
        return seen === accepted.length || Date.now() - stillSince > 8000;
      },
      40_000,
      'deliveries to settle',
    );
    const got = delivered();
    const lost = accepted.filter((a) => !got.has(a.id));
    const lostInVictim = lost.filter((a) => inVictim(a.id)).length;

    console.log(
      [
        `Failover of the master on ${victim.port} (partitions ${victimPartitions.map((p) => p.name).join(' ')}) to its replica on ${heir.port}:`,
        `  kill -9 -> first write taken by the promoted replica: ${failoverMs} ms; -> first create accepted into its partitions: ${apiBackMs} ms`,
        `  answers: ${[...statuses]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s} x${n}`)
          .join(', ')} (${acceptedBeforeKill} accepted before the kill); slowest answer ${slowestMs} ms`,
        `  accepted ${accepted.length}, delivered ${accepted.length - lost.length}, lost ${lost.length} (async replication window; ${lostInVictim} of them in the dead master's partitions)`,
      ].join('\n'),
    );

    // The apps answered: 200, or 503 while the store was unavailable; never a 500 or no answer.
    expect(unexpected).toEqual([]);
    // Creates went through after the failover, in the dead master's partitions too.
    expect(accepted.filter((a) => a.at > killedAt + failoverMs).length).toBeGreaterThan(0);
    // Only what the dead master had not replicated can be lost: a few, not a share.
    expect(lost.length).toBeLessThanOrEqual(Math.max(1, Math.ceil(accepted.length * 0.01)));
    expect(lost.length - lostInVictim).toBe(0);
  }, 60_000);
});
