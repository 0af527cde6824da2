/** What each baseline and scenario hands back, and how the run prints them side by side. */

export interface Check {
  text: string;
  pass: boolean;
}

export interface Outcome {
  /** i, ii, iii for the baselines; a to f for the scenarios of issue 11; n the naive pair (issue 26). */
  id: string;
  name: string;
  /** Events (or jobs) counted, over `seconds`. */
  count?: number;
  seconds?: number;
  /** Receipt latency percentiles, ms. */
  p50?: number;
  p99?: number;
  checks: Check[];
  notes: string[];
  /** Figures a later scenario compares against (e against d). */
  figures?: Record<string, number>;
  error?: string;
}

export type Outcomes = Map<string, Outcome>;

export const rateOf = (o: Outcome | undefined): number | undefined =>
  o?.count !== undefined && o.seconds ? o.count / o.seconds : undefined;

export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

/**
 * A bar of the issue: `value op limit`, printed with PASS or FAIL. An undefined value (the
 * baseline it needs did not run, or nothing arrived) fails, saying why.
 */
export function bar(
  what: string,
  value: number | undefined,
  op: '>=' | '<=',
  limit: number,
  format: (n: number) => string = (n) => n.toFixed(2),
): Check {
  if (value === undefined || !Number.isFinite(value)) return { text: `${what}: not measured (bar ${op} ${format(limit)})`, pass: false };
  const pass = op === '>=' ? value >= limit : value <= limit;
  return { text: `${what}: ${format(value)} (bar ${op} ${format(limit)})`, pass };
}

export const times = (n: number) => `${n.toFixed(2)}x`;
export const perSecond = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
export const mb = (n: number) => `${n.toFixed(0)} MB`;
export const ms = (n: number) => `${Math.round(n)} ms`;
export const pct = (n: number) => `${Math.round(n * 100)}%`;

function table(header: string[], lines: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => (i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i <= 1 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [row(header), rule, ...lines.map(row)];
}

/** Rows whose rate is throughput to a fast receiver, so that a ratio to a baseline means something. */
const COMPARABLE = new Set(['i', 'ii', 'iii', 'a', 'b', 'n']);

export function printOutcomes(outcomes: Outcomes): void {
  const lines = [...outcomes.values()].map((o) => {
    const rate = rateOf(o);
    const ratio = (id: string) => {
      const base = rateOf(outcomes.get(id));
      return rate !== undefined && base && COMPARABLE.has(o.id) ? (rate / base).toFixed(2) : '-';
    };
    const verdict = o.error ? 'ERROR' : o.checks.length === 0 ? '-' : o.checks.every((c) => c.pass) ? 'PASS' : 'FAIL';
    return [
      o.id,
      o.name,
      o.count === undefined ? '-' : o.count.toLocaleString('en-US'),
      o.seconds === undefined ? '-' : o.seconds.toFixed(2),
      rate === undefined ? '-' : Math.round(rate).toLocaleString('en-US'),
      ratio('i'),
      ratio('ii'),
      ratio('iii'),
      ratio('n'),
      o.p50 === undefined ? '-' : String(Math.round(o.p50)),
      o.p99 === undefined ? '-' : String(Math.round(o.p99)),
      verdict,
    ];
  });
  console.log('');
  for (const l of table(
    ['', 'baseline or scenario', 'events', 'seconds', 'per s', 'x (i)', 'x (ii)', 'x (iii)', 'x (n)', 'p50 ms', 'p99 ms', 'bars'],
    lines,
  ))
    console.log(l);
  console.log('');
  console.log('bars (issues 11 and 26):');
  for (const o of outcomes.values()) {
    if (o.error) console.log(`  ${o.id}  ERROR  ${o.error}`);
    for (const c of o.checks) console.log(`  ${o.id}  ${c.pass ? 'PASS' : 'FAIL'}  ${c.text}`);
  }
  console.log('');
  for (const o of outcomes.values()) {
    console.log(`${o.id} ${o.name}:`);
    for (const note of o.notes) console.log(`  ${note}`);
  }
}
