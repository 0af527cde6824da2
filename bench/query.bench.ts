import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import os from 'node:os';

import { connectRedis, eventStreamKey, loadConfig } from '@app/platform';
import { createApiApp } from '../apps/api/src/create-api-app';
import { StateStore } from '../apps/api/src/state-store/state-store.service';
import { TransferProcess, TransferState } from '../apps/api/src/transfer-processes/transfer-process';
import { transferProcessEvent } from '../apps/api/src/transfer-processes/transfer-process.events';
import { dropKeys } from '../test/support/redis-keys';
import { storedTransfer } from '../test/support/stored-transfer';

/**
 * QuerySpec over 100,000 transfers, through the real HTTP path of an in-process api:
 * what an indexed filter saves against the baseline page, and what an unindexed one costs;
 * each case on one partition and on the transfers spread over the default partitions
 * (issue 13's bar: spread costs at most 2x one partition).
 */

const TRANSFERS = 100_000;
const SEED_BATCH = 500;
const API_KEY = 'bench';
const BASE = 1_700_000_000_000;
const STATES: TransferState[] = ['INITIAL', 'REQUESTED', 'STARTED', 'COMPLETED', 'TERMINATED'];
const ADDRESSES = ['http://provider-a.example/api/dsp', 'http://provider-b.example/api/dsp', 'http://provider-c.example/api/dsp'];
const PROTOCOLS = ['dataspace-protocol-http', 'dataspace-protocol-http:2025-1'];
const TRANSFER_TYPES = ['HttpData-PULL', 'HttpData-PUSH', 'AmazonS3-PUSH'];

interface Case {
  name: string;
  spec: Record<string, unknown>;
  warmup: number;
  reps: number;
}

const criterion = (operandLeft: string, operator: string, operandRight: unknown) => ({ operandLeft, operator, operandRight });

const CASES: Case[] = [
  { name: '(a) unfiltered page, limit 50 (baseline)', spec: { limit: 50 }, warmup: 10, reps: 100 },
  {
    name: '(b) state = STARTED, limit 50',
    spec: { limit: 50, filterExpression: [criterion('state', '=', 'STARTED')] },
    warmup: 10,
    reps: 100,
  },
  {
    name: '(c) contractId = contract-03 and state = STARTED',
    spec: { limit: 50, filterExpression: [criterion('contractId', '=', 'contract-03'), criterion('state', '=', 'STARTED')] },
    warmup: 3,
    reps: 30,
  },
  {
    name: '(d) state = STARTED, sort contractId DESC',
    spec: { limit: 50, sortField: 'contractId', sortOrder: 'DESC', filterExpression: [criterion('state', '=', 'STARTED')] },
    warmup: 3,
    reps: 30,
  },
  {
    name: '(e) transferType like "%PULL" (unindexed)',
    spec: { limit: 50, filterExpression: [criterion('transferType', 'like', '%PULL')] },
    warmup: 2,
    reps: 15,
  },
];

/** A small deterministic PRNG (mulberry32): the same data on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function transfer(i: number, random: () => number): TransferProcess {
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)];
  return storedTransfer({
    state: pick(STATES),
    createdAt: BASE + i,
    stateTimestamp: BASE + 10_000_000 + ((i * 7919) % TRANSFERS),
    contractId: `contract-${String(Math.floor(random() * 10)).padStart(2, '0')}`,
    assetId: `asset-${String(Math.floor(random() * 30)).padStart(2, '0')}`,
    counterPartyAddress: pick(ADDRESSES),
    protocol: pick(PROTOCOLS),
    transferType: pick(TRANSFER_TYPES),
  });
}

async function seed(store: StateStore): Promise<void> {
  const random = prng(7);
  for (let i = 0; i < TRANSFERS; i += SEED_BATCH) {
    const batch = Array.from({ length: Math.min(SEED_BATCH, TRANSFERS - i) }, (_, j) => transfer(i + j, random));
    const created = await Promise.all(
      batch.map((tp) => store.create('transferprocess', tp, transferProcessEvent(tp, {}, store.newEventId(tp.id)))),
    );
    if (!created.every(Boolean)) throw new Error('a seeded transfer was refused');
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

interface Result {
  name: string;
  median: number;
  p95: number;
  reps: number;
  rows: number;
}

/** Seeds the transfers in `partitions` partitions on a prefix of their own, times every case, drops the keys. */
async function measure(partitions: number): Promise<Result[]> {
  const REDIS_PREFIX = `bench-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    ...process.env,
    REDIS_PREFIX,
    REDIS_PARTITIONS: String(partitions),
    COUNTERPARTY_MODE: 'manual',
    MANAGEMENT_API_KEY: API_KEY,
  });
  const app = await createApiApp(config);
  const redis = connectRedis(config.redisUrl);
  try {
    await app.init();
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const store = app.get(StateStore);

    let started = performance.now();
    await seed(store);
    // Every create also committed a TransferProcessInitiated event to its partition's stream;
    // no dispatcher reads them here, so drop them: the objects and their indexes stay.
    for (const partition of store.partitions.all) await redis.del(eventStreamKey(partition));
    console.log(
      `${partitions} partition(s), Redis prefix ${REDIS_PREFIX}: seeded in ${((performance.now() - started) / 1000).toFixed(1)} s (${SEED_BATCH} creates in flight at a time)`,
    );

    const ask = async (spec: Record<string, unknown>): Promise<number> => {
      const res = await fetch(`http://127.0.0.1:${port}/management/v3/transferprocesses/request`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
        body: JSON.stringify(spec),
      });
      const body = (await res.json()) as unknown[];
      if (res.status !== 200) throw new Error(`${res.status} for ${JSON.stringify(spec)}: ${JSON.stringify(body)}`);
      return body.length;
    };

    const results: Result[] = [];
    started = performance.now();
    for (const c of CASES) {
      let rows = 0;
      for (let i = 0; i < c.warmup; i++) rows = await ask(c.spec);
      const times: number[] = [];
      for (let i = 0; i < c.reps; i++) {
        const t0 = performance.now();
        await ask(c.spec);
        times.push(performance.now() - t0);
      }
      times.sort((x, y) => x - y);
      results.push({ name: c.name, median: percentile(times, 0.5), p95: percentile(times, 0.95), reps: c.reps, rows });
    }
    console.log(
      `timed in ${((performance.now() - started) / 1000).toFixed(1)} s; each case after its warm-up requests, one request at a time`,
    );
    return results;
  } finally {
    await app.close();
    redis.disconnect();
    const dropped = await dropKeys(config);
    console.log(`dropped ${dropped.toLocaleString('en-US')} keys of ${REDIS_PREFIX}`);
  }
}

export async function runQueryBench(): Promise<void> {
  const spread = loadConfig(process.env).redisPartitions;
  console.log(`QuerySpec bench: ${TRANSFERS.toLocaleString('en-US')} transfers, on 1 partition and spread over ${spread}`);
  const one = await measure(1);
  const many = await measure(spread);

  const redis = connectRedis(loadConfig(process.env).redisUrl);
  const info = await redis.info('server');
  redis.disconnect();
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  const cpus = os.cpus();
  console.log(
    `node ${process.version}, ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} logical CPUs), Redis ${redisVersion}, ${os.platform()} ${os.release()}`,
  );
  console.log('');
  const baseline = one[0].median;
  const header = [
    'case',
    'reps',
    'rows',
    'median ms',
    'p95 ms',
    'x baseline',
    `median ms, ${spread} partitions`,
    `x 1 partition`,
    'bar <= 2.0',
  ];
  const lines = one.map((r, i) => {
    const ratio = many[i].median / r.median;
    return [
      r.name,
      String(r.reps),
      String(r.rows),
      r.median.toFixed(2),
      r.p95.toFixed(2),
      (r.median / baseline).toFixed(1),
      many[i].median.toFixed(2),
      ratio.toFixed(2),
      ratio <= 2 ? 'PASS' : 'FAIL',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(row(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const l of lines) console.log(row(l));
  console.log('');
  for (const [i, r] of one.entries())
    if (r.rows !== many[i].rows) throw new Error(`${r.name}: ${r.rows} rows on one partition, ${many[i].rows} spread`);
}
