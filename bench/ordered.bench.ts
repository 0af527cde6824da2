import 'reflect-metadata';
import http from 'node:http';
import Redis from 'ioredis';
import { pool, post } from './load';
import { totals } from './receiver-handle';
import { localRedisPid, machineLine } from './redis-stats';
import { bar, Check } from './report';
import { BenchContext, withRun } from './scenario-run';
import { API_KEY, REDIS_URL, receiptTimeoutMs, SCALE, scaled } from './settings';

/** Events per object: calls to its inbound callback URL, each one CallbackReceived event. */
const EVENTS_PER_OBJECT = 10;
/** In the body of every call of the held object: the receiver answers 503 to its events. */
const HELD_MARK = 'hold-this-object';
const CONCURRENCY = 64;
/** Rounds of every case, one round after the other; each case keeps its best rate (the machine is shared). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

interface Case {
  id: string;
  name: string;
  ordered: boolean;
  /** interleaved: event k of every object, then event k+1; grouped: each object's events in a row. */
  grouping: 'interleaved' | 'grouped';
  /** One more object (ordered, onFailure hold) whose head keeps failing. */
  held?: boolean;
}

const CASES: Case[] = [
  { id: 'u-i', name: 'unordered, interleaved', ordered: false, grouping: 'interleaved' },
  { id: 'o-i', name: 'ordered, interleaved', ordered: true, grouping: 'interleaved' },
  { id: 'u-g', name: 'unordered, grouped', ordered: false, grouping: 'grouped' },
  { id: 'o-g', name: 'ordered, grouped', ordered: true, grouping: 'grouped' },
  { id: 'o-h', name: 'ordered, interleaved, one object held by a failing head', ordered: true, grouping: 'interleaved', held: true },
];

/**
 * Issue 14's bench: 1,000 objects x 10 events (inbound callbacks, each call one event) to one
 * endpoint of the same receiver, ordered against unordered. The events are committed first
 * (no dispatcher running), then one dispatcher (the product's defaults) drains them; the rate is
 * the receiver's first receipts over the time from the first to the last. Two backlog shapes:
 * interleaved (event k of every object before event k+1 of any, as traffic spread over time
 * gives) and grouped (each object's 10 events in a row: every event after an object's first
 * finds the one ahead still in flight and must wait its turn, the worst case for ordering).
 * Then the interleaved ordered case again with one more object whose head always fails (hold):
 * the others' rate against the same case without it. Every case runs BENCH_ROUNDS times (2),
 * the rounds one after the other, and keeps its best rate: on a shared machine a neighbour's
 * burst would otherwise decide a ratio.
 */
export async function runOrderedBench(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const objects = scaled(1000, 20);
  try {
    console.log(await machineLine(redis));
    console.log(
      `Ordered delivery bench (issue 14), BENCH_SCALE=${SCALE}: ${objects} objects x ${EVENTS_PER_OBJECT} events, one endpoint, api + 1 dispatcher + receiver as processes`,
    );
    const bench: BenchContext = { redis, redisPid: await localRedisPid(redis), outcomes: new Map() };
    const rates = new Map<string, number>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const c of CASES) {
        const t0 = performance.now();
        console.log(`  ${c.id}: ${c.name}, round ${round} of ${ROUNDS} ...`);
        const rate = await drain(bench, c, objects);
        rates.set(c.id, Math.max(rate, rates.get(c.id) ?? 0));
        console.log(`  ${c.id}: ${rate.toFixed(0)} events/s (done in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      }
    }
    const ratio = (a: string, b: string) => rates.get(a)! / rates.get(b)!;
    const checks: Check[] = [
      bar('ordered / unordered events/s, interleaved', ratio('o-i', 'u-i'), '>=', 0.5),
      bar('ordered / unordered events/s, grouped (worst case)', ratio('o-g', 'u-g'), '>=', 0.5),
      bar('others with one object held / without, ordered', ratio('o-h', 'o-i'), '>=', 0.9),
    ];
    console.log(`\n  best of ${ROUNDS} rounds:`);
    for (const c of CASES) console.log(`  ${c.id.padEnd(4)} ${c.name.padEnd(56)} ${rates.get(c.id)!.toFixed(0).padStart(6)} events/s`);
    for (const check of checks) console.log(`  ${check.pass ? 'PASS' : 'FAIL'} ${check.text}`);
  } finally {
    redis.disconnect();
  }
}

/** One case: the backlog committed, then drained by one dispatcher; the others' events per second. */
async function drain(bench: BenchContext, c: Case, objects: number): Promise<number> {
  let rate = 0;
  await withRun(bench, `ordered-${c.id}`, async (run) => {
    const receiver = await run.receiver({ ports: 1, failBodiesWith: HELD_MARK });
    const api = await run.api();
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const json = { 'content-type': 'application/json', 'x-api-key': API_KEY };
    try {
      const address = { uri: `${receiver.url()}/cb`, events: ['callback.received'], ...(c.ordered ? { ordered: true } : {}) };
      const create = async (extra: object = {}) => {
        const body = JSON.stringify({ responseType: 'response', allowMultipleCalls: true, callbackAddresses: [{ ...address, ...extra }] });
        const res = await post(agent, api.port, '/management/v1/callbacks', body, json);
        if (res.status !== 201) throw new Error(`create callback: ${res.status} ${res.body}`);
        return new URL((JSON.parse(res.body) as { callbackUrl: string }).callbackUrl).pathname;
      };
      const paths: string[] = new Array(objects);
      await pool(objects, CONCURRENCY, async (i) => void (paths[i] = await create()));
      const heldPath = c.held ? await create({ onFailure: 'hold' }) : undefined;
      const call = async (path: string, k: number, mark = '') => {
        const res = await post(agent, api.port, path, JSON.stringify({ k, mark }), { 'content-type': 'application/json' });
        if (res.status !== 200) throw new Error(`call ${path}: ${res.status} ${res.body}`);
      };
      if (c.grouping === 'grouped') {
        await pool(objects, CONCURRENCY, async (i) => {
          for (let k = 0; k < EVENTS_PER_OBJECT; k++) await call(paths[i], k);
        });
      } else {
        for (let k = 0; k < EVENTS_PER_OBJECT; k++) await pool(objects, CONCURRENCY, (i) => call(paths[i], k));
      }
      if (heldPath) for (let k = 0; k < EVENTS_PER_OBJECT; k++) await call(heldPath, k, HELD_MARK);

      await run.dispatcher();
      // The held object's head arrives (and fails) too; nothing after it does.
      const expected = objects * EVENTS_PER_OBJECT + (heldPath ? 1 : 0);
      if (!(await receiver.waitFor(expected, receiptTimeoutMs(expected))))
        throw new Error(`only ${totals(await receiver.stats()).unique} of ${expected} events arrived`);
      const got = totals(await receiver.stats());
      rate = (objects * EVENTS_PER_OBJECT) / ((got.lastAt - got.firstAt) / 1000);
      return { checks: [], notes: [] };
    } finally {
      agent.destroy();
    }
  });
  return rate;
}
