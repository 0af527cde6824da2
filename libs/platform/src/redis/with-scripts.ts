import Redis from 'ioredis';

/** One Redis script of a store: its text (includes expanded) and, when fixed, how many of its arguments are keys. */
export interface ScriptDefinition {
  lua: string;
  /** Absent when the caller passes the key count first on each call. */
  numberOfKeys?: number;
}

/** The scripts registered on each connection, by command name. */
const registered = new WeakMap<Redis, Map<string, string>>();

/**
 * The one place a store's Lua scripts become commands of its connection (ioredis
 * `defineCommand`: EVALSHA, the script loaded on first use and again after a Redis restart),
 * returned typed with them. Every store registers its scripts here, next to the keys it owns.
 * The stores share one connection, so two of them naming different scripts alike is refused at
 * start-up instead of one silently running the other's.
 */
export function withScripts<Commands extends object>(
  redis: Redis,
  scripts: { [Name in keyof Commands]: ScriptDefinition },
): Redis & Commands {
  const names = registered.get(redis) ?? new Map<string, string>();
  registered.set(redis, names);
  for (const [name, { lua, numberOfKeys }] of Object.entries<ScriptDefinition>(scripts)) {
    const earlier = names.get(name);
    if (earlier !== undefined && earlier !== lua) throw new Error(`Two different Redis scripts are named ${name}`);
    names.set(name, lua);
    redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
  }
  return redis as Redis & Commands;
}
