import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATIC_CALLBACK_FIELDS } from '@app/platform';

/**
 * The metric families of Prometheus text expositions, each with the label names its samples
 * carry: what a query in a manifest or a dashboard may name.
 */
export function metricFamilies(...expositions: string[]): Map<string, Set<string>> {
  const families = new Map<string, Set<string>>();
  for (const text of expositions) {
    for (const line of text.split('\n')) {
      const type = /^# TYPE (\S+) (\S+)/.exec(line);
      if (type) {
        if (!families.has(type[1])) families.set(type[1], new Set());
        if (type[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) families.set(type[1] + suffix, new Set(['le']));
        continue;
      }
      const sample = /^(\w+)\{([^}]*)\}/.exec(line);
      if (!sample) continue;
      const labels = families.get(sample[1]) ?? new Set<string>();
      for (const m of sample[2].matchAll(/(\w+)="/g)) labels.add(m[1]);
      families.set(sample[1], labels);
    }
  }
  return families;
}

/**
 * What a PromQL query names that `families` lacks: metrics (`callback_*`, `process_*`,
 * `nodejs_*`) not exported, and label names used in a selector `{...}` or a `by (...)` that no
 * sample of the metric carries.
 */
export function unknownInQuery(query: string, families: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  for (const m of query.matchAll(/\b((?:callback|process|nodejs)_\w+)(\{[^}]*\})?/g)) {
    const labels = families.get(m[1]);
    if (!labels) {
      problems.push(`metric ${m[1]}`);
      continue;
    }
    for (const l of (m[2] ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g))
      if (!labels.has(l[1]) && l[1] !== 'app' && l[1] !== 'instance' && l[1] !== 'job') problems.push(`label ${l[1]} of ${m[1]}`);
  }
  const all = new Set([...families.values()].flatMap((s) => [...s]));
  for (const m of query.matchAll(/\bby\s*\(([^)]*)\)/g))
    for (const l of m[1].split(',').map((s) => s.trim()))
      if (l && !all.has(l) && !['app', 'instance', 'job', 'pod'].includes(l)) problems.push(`label ${l} in by()`);
  return problems;
}

/** Every environment variable the apps read: the names in libs/platform/src/config, and `EDC_CALLBACK_<ID>_*`. */
export function variablesTheAppsRead(root: string): (name: string) => boolean {
  const dir = join(root, 'libs/platform/src/config');
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts')))
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/'([A-Z][A-Z0-9_]+)'/g)) names.add(m[1]);
  const staticCallback = new RegExp(`^EDC_CALLBACK_\\w+_(${STATIC_CALLBACK_FIELDS.join('|')})$`);
  return (name) => names.has(name) || staticCallback.test(name);
}
