import { loadConfig } from '@app/platform';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { seedAgreement } from '../test/support/agreements';
import { dropKeys } from '../test/support/redis-keys';
import { startNaiveApi, startNaiveWorker } from './naive-pair/naive-processes';
import { AppProcess, startApi, startDispatcher, stopApp } from './product-processes';
import { ReceiverHandle } from './receiver-handle';
import type { ReceiverOptions } from './receiver';
import type { Outcome, Outcomes } from './report';
import { REDIS_URL } from './settings';

/** What every baseline and scenario gets from the run: Redis for INFO, its pid for /proc, earlier outcomes. */
export interface BenchContext {
  redis: Redis;
  redisPid: number | undefined;
  outcomes: Outcomes;
}

/** What a baseline or scenario measures; the run adds its id and name. */
export type Measured = Omit<Outcome, 'id' | 'name'>;

/**
 * The processes and the Redis prefix of one product scenario. Everything it starts is stopped by
 * `withRun`, and the prefix's keys dropped, however the scenario ends.
 */
export class ScenarioRun {
  readonly prefix: string;
  private readonly apps: AppProcess[] = [];
  private readonly receivers: ReceiverHandle[] = [];

  constructor(
    readonly bench: BenchContext,
    id: string,
  ) {
    this.prefix = `bench-${id}-${randomBytes(4).toString('hex')}`;
  }

  async receiver(options?: ReceiverOptions): Promise<ReceiverHandle> {
    const receiver = await ReceiverHandle.start(options);
    this.receivers.push(receiver);
    return receiver;
  }

  /** The api, with the agreement the load's transfers name (a transfer needs one, as in EDC). */
  async api(): Promise<AppProcess> {
    await seedAgreement(this.bench.redis, { redisPrefix: this.prefix, redisPartitions: loadConfig(process.env).redisPartitions });
    const api = await startApi(this.prefix);
    this.apps.push(api);
    return api;
  }

  async dispatcher(overrides: Record<string, string> = {}): Promise<AppProcess> {
    const dispatcher = await startDispatcher(this.prefix, overrides);
    this.apps.push(dispatcher);
    return dispatcher;
  }

  /** The naive pair's api (bench/naive-pair), the product's peer in scenario b. */
  async naiveApi(): Promise<AppProcess> {
    const api = await startNaiveApi(this.prefix);
    this.apps.push(api);
    return api;
  }

  async naiveWorker(): Promise<AppProcess> {
    const worker = await startNaiveWorker(this.prefix);
    this.apps.push(worker);
    return worker;
  }

  /**
   * Receivers first: attempts still in flight (a dead endpoint's) then fail at once instead of
   * holding the dispatcher's shutdown for their whole timeout; then the apps; then the keys.
   */
  async close(): Promise<string> {
    await Promise.all(this.receivers.map((r) => r.stop()));
    const endings = await Promise.all(this.apps.map((app) => stopApp(app)));
    const dropped = await dropKeys({ redisUrl: REDIS_URL, redisPrefix: this.prefix });
    return `stopped: receiver, ${endings.join(', ') || 'no app'}; dropped ${dropped.toLocaleString('en-US')} keys of {${this.prefix}}`;
  }

  outputs(): string {
    return this.apps.map((app) => `--- ${app.name} output:\n${app.output()}`).join('\n');
  }
}

/** Runs `scenario` on a fresh ScenarioRun, prints the apps' output if it fails, always cleans up. */
export async function withRun<T = Measured>(bench: BenchContext, id: string, scenario: (run: ScenarioRun) => Promise<T>): Promise<T> {
  const run = new ScenarioRun(bench, id);
  try {
    return await scenario(run);
  } catch (err) {
    console.error(run.outputs());
    throw err;
  } finally {
    console.log(`  [${id}] ${await run.close()}`);
  }
}
