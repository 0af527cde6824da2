import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { connectRedis, eventStreamKey, loadConfig } from '@app/platform';
import { createApiApp } from '../apps/api/src/create-api-app';
import { CONTEXT_DOCUMENTS } from '../apps/api/src/json-ld/context-documents';
import { StateStore } from '../apps/api/src/state-store/state-store.service';
import { TransferProcess } from '../apps/api/src/transfer-processes/transfer-process';
import { transferProcessEvent } from '../apps/api/src/transfer-processes/transfer-process.events';
import { dropKeys } from '../test/support/redis-keys';
import { seedAgreement } from '../test/support/agreements';
import { transferRequest } from '../test/support/requests';
import { storedTransfer } from '../test/support/stored-transfer';

/**
 * Issue 20: how long one client's heaviest allowed requests hold up another client's create.
 * An in-process api over HOLDUP_TRANSFERS transfers (default 25,000, the scan cap); one client
 * makes creates one after the other, alone, then while HOLDUP_CLIENTS others (default 4) send
 * the heaviest requests the limits let through, in a loop: a sort with no order index over
 * every transfer (it reads the cap), an `in` of 1,000 values, and a JSON-LD body naming every
 * served context, processed afresh each time. Prints the create latencies of both phases.
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/holdup.bench.ts
 */

const TRANSFERS = Number(process.env.HOLDUP_TRANSFERS ?? 25_000);
const CLIENTS = Number(process.env.HOLDUP_CLIENTS ?? 4);
const CREATES = 60;
const API_KEY = 'bench';

const HEAVY: (() => object)[] = [
  () => ({ sortField: 'contractId', filterExpression: [{ operandLeft: 'transferType', operator: '!=', operandRight: 'x' }] }),
  () => ({
    limit: 1000,
    filterExpression: [
      { operandLeft: 'contractId', operator: 'in', operandRight: Array.from({ length: 1000 }, (_, i) => `contract-${i}`) },
    ],
  }),
  // A unique inline term makes the processor process every served context afresh.
  () => ({ '@context': [{ [`t${randomBytes(4).toString('hex')}`]: 'urn:x' }, ...CONTEXT_DOCUMENTS.keys()], limit: 50 }),
];

function transfer(i: number): TransferProcess {
  const at = 1_700_000_000_000 + i;
  return storedTransfer({
    state: 'STARTED',
    createdAt: at,
    stateTimestamp: at,
    contractId: `contract-${i % 10}`,
    assetId: `asset-${i % 30}`,
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];

async function main(): Promise<void> {
  const config = loadConfig({
    ...process.env,
    REDIS_PREFIX: `holdup-${randomBytes(4).toString('hex')}`,
    COUNTERPARTY_MODE: 'manual',
    MANAGEMENT_API_KEY: API_KEY,
    LOG_LEVEL: 'error',
  });
  const app = await createApiApp(config);
  const redis = connectRedis(config.redisUrl);
  try {
    await app.init();
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const store = app.get(StateStore);
    await seedAgreement(redis, config);
    // Room left under the scan cap for the creates the bench makes, so the sort stays allowed.
    const seeded = TRANSFERS - 2 * CREATES;
    for (let i = 0; i < seeded; i += 500) {
      const batch = Array.from({ length: Math.min(500, seeded - i) }, (_, j) => transfer(i + j));
      await Promise.all(batch.map((tp) => store.create('transferprocess', tp, transferProcessEvent(tp, {}, store.newEventId(tp.id)))));
    }
    for (const partition of store.partitions.all) await redis.del(eventStreamKey(partition));

    const call = async (path: string, body: object): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${res.status} for ${path}: ${text.slice(0, 300)}`);
      return performance.now() - t0;
    };
    const creates = async () => {
      const times: number[] = [];
      for (let i = 0; i < CREATES; i++) times.push(await call('/management/v3/transferprocesses', transferRequest()));
      return times.sort((a, b) => a - b);
    };

    const alone = await creates();
    let running = true;
    const heavyTimes: number[][] = HEAVY.map(() => []);
    const clients = Array.from({ length: CLIENTS }, async (_, c) => {
      for (let n = 0; running; n++) {
        const kind = (c + n) % HEAVY.length;
        heavyTimes[kind].push(await call('/management/v3/transferprocesses/request', HEAVY[kind]()));
      }
    });
    const busy = await creates();
    running = false;
    await Promise.all(clients);

    const line = (name: string, t: number[]) =>
      `${name}: p50 ${percentile(t, 0.5).toFixed(1)} ms, p95 ${percentile(t, 0.95).toFixed(1)} ms, max ${t[t.length - 1].toFixed(1)} ms`;
    console.log(`${TRANSFERS} transfers, ${CLIENTS} clients sending the heaviest allowed requests`);
    console.log(line('create alone', alone));
    console.log(line('create beside them', busy));
    HEAVY.forEach((_, i) => {
      const t = heavyTimes[i].sort((a, b) => a - b);
      if (t.length > 0) console.log(line(`heavy request ${i + 1} (${t.length} made)`, t));
    });
  } finally {
    await app.close();
    redis.disconnect();
    await dropKeys(config);
  }
}

void main();
