/** A configuration problem: the variable at fault and why. */
export type ConfigProblem = { variable: string; reason: string };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `5d`, `12h`, `30m`, `10s`, `500ms`, or plain milliseconds; undefined when it is none of those. */
export function parseDuration(raw: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(raw.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[(match[2] ?? 'ms').toLowerCase()];
  return Number.isSafeInteger(Math.round(ms)) ? Math.round(ms) : undefined;
}

/**
 * Reads variables of one environment, each by its kind, and collects every problem instead of
 * stopping at the first, so one start-up names all the variables at fault. An invalid value is
 * reported and replaced by the default only so reading can go on: `loadConfig` then refuses.
 */
export class EnvReader {
  readonly problems: ConfigProblem[] = [];

  constructor(readonly env: NodeJS.ProcessEnv) {}

  problem(variable: string, reason: string): void {
    this.problems.push({ variable, reason });
  }

  /** The trimmed value; undefined when unset or blank. */
  text(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (/^\d+$/.test(raw) && value >= min && value <= max) return value;
    this.problem(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
    return fallback;
  }

  url(name: string, fallback: string, protocols: string[]): string {
    const raw = this.text(name) ?? fallback;
    if (URL.canParse(raw) && protocols.includes(new URL(raw).protocol)) return raw;
    this.problem(name, `must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL, got "${raw}"`);
    return fallback;
  }

  duration(name: string, fallback: number, minMs: number): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const ms = parseDuration(raw);
    if (ms !== undefined && ms >= minMs) return ms;
    this.problem(name, `must be a duration of at least ${minMs} ms such as 5d, 12h, 30m, 10s or 500ms, got "${raw}"`);
    return fallback;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.text(name) ?? fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    const list = allowed.length > 2 ? `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}` : allowed.join(' or ');
    this.problem(name, `must be ${list}, got "${raw}"`);
    return fallback;
  }

  /** Words separated by `separator` (blank ones dropped). */
  list(name: string, separator: RegExp, fallback = ''): string[] {
    return (this.env[name] ?? fallback).split(separator).filter((word) => word.trim() !== '');
  }
}
