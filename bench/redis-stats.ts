import { readFileSync } from 'node:fs';
import os from 'node:os';
import Redis from 'ioredis';

/**
 * Server-wide Redis figures: INFO only, never a key of the product, so they stay valid whatever
 * the product's keyspace looks like. Anything else using this Redis at the same time is counted
 * too (the CPU line's "whole machine busy" shows whether something else ran).
 */

type CommandStats = Map<string, number>;

export async function commandStats(redis: Redis): Promise<CommandStats> {
  const stats: CommandStats = new Map();
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) stats.set(m[1], Number(m[2]));
  return stats;
}

/** Script runs: EVAL/EVALSHA, and FCALL should the product move to Redis functions. */
const SCRIPT_COMMANDS = ['evalsha', 'eval', 'evalsha_ro', 'eval_ro', 'fcall', 'fcall_ro'];

/**
 * Per event between two snapshots: Lua script calls, and all commands, counting those the scripts
 * run (INFO commandstats counts both), with the most frequent named.
 */
export function perEvent(
  before: CommandStats,
  after: CommandStats,
  events: number,
  unit = 'per event',
): { scripts: number; commands: number; text: string } {
  const delta = [...after].map(([cmd, calls]) => [cmd, (calls - (before.get(cmd) ?? 0)) / events] as const).filter(([, d]) => d > 0.0005);
  delta.sort((a, b) => b[1] - a[1]);
  // The bench's own INFO calls are not the product's.
  const counted = delta.filter(([cmd]) => cmd !== 'info');
  const commands = counted.reduce((sum, [, d]) => sum + d, 0);
  const scripts = counted.filter(([cmd]) => SCRIPT_COMMANDS.includes(cmd)).reduce((sum, [, d]) => sum + d, 0);
  const top = counted
    .filter(([cmd]) => !SCRIPT_COMMANDS.includes(cmd))
    .slice(0, 8)
    .map(([cmd, d]) => `${cmd} ${d.toFixed(2)}`)
    .join(', ');
  return {
    scripts,
    commands,
    text: `Redis ${unit}: ${scripts.toFixed(2)} Lua script calls, ${commands.toFixed(1)} commands in all counting those the scripts run (${top}, ...)`,
  };
}

export async function usedMemory(redis: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);
}

async function commandsProcessed(redis: Redis): Promise<number> {
  return Number(/^total_commands_processed:(\d+)/m.exec(await redis.info('stats'))?.[1]);
}

/**
 * Waits until Redis has served fewer than 50 commands in each of three consecutive half seconds:
 * the apps have finished what the last request set off (the api relaying its outbox, a dispatcher
 * recording its attempts), whatever their design. False if that did not happen within `timeoutMs`.
 */
export async function waitForQuiet(redis: Redis, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  let last = await commandsProcessed(redis);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await commandsProcessed(redis);
    quiet = now - last < 50 ? quiet + 1 : 0;
    last = now;
    if (quiet === 3) return true;
  }
  return false;
}

/**
 * Clients connected to Redis besides the one asking, given up to a second for connections just
 * closed (a step's last ones) to be gone from the server's count.
 */
export async function otherClients(redis: Redis): Promise<number> {
  const count = async () => Number(/^connected_clients:(\d+)/m.exec(await redis.info('clients'))?.[1]) - 1;
  let others = await count();
  for (let i = 0; i < 10 && others > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    others = await count();
  }
  return others;
}

/** Redis's own pid when it runs on this machine (so /proc shows its CPU), else undefined. */
export async function localRedisPid(redis: Redis): Promise<number | undefined> {
  const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
  try {
    return Number.isFinite(pid) && readFileSync(`/proc/${pid}/comm`, 'utf8').includes('redis') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** node, CPU and Redis version: what the figures depend on. */
export async function machineLine(redis: Redis): Promise<string> {
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  const cpus = os.cpus();
  return `node ${process.version}, ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} logical CPUs), Redis ${redisVersion}, ${os.platform()} ${os.release()}`;
}
