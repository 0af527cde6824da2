import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// scripts/dashboard-picture.js draws docs/operations.md's picture of the Grafana dashboard with
// a PromQL subset of its own: every query of the dashboard must be in it, and evaluate as
// Prometheus would.
type Sample = { labels: Record<string, string>; value: number };
type Scrape = { t: number; series: { name: string; labels: Record<string, string>; value: number }[] };
const picture: {
  parse(expr: string): unknown;
  evaluate(tree: unknown, t: number, scrapes: Map<string, Scrape[]>): Sample[];
  parseExposition(text: string): Scrape['series'];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../scripts/dashboard-picture.js');

const ROOT = join(__dirname, '..');
const at = (expr: string, t: number, scrapes: Map<string, Scrape[]>) =>
  picture.evaluate(picture.parse(expr), t, scrapes).sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));

describe('the dashboard picture script', () => {
  it('reads every query of the Grafana dashboard', () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/dashboards/callback-service.json'), 'utf8'));
    const queries: string[] = dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) => (p.targets ?? []).map((t) => t.expr));
    expect(queries.length).toBeGreaterThanOrEqual(9);
    for (const q of queries) expect(() => picture.parse(q)).not.toThrow();
    expect(() => picture.parse('avg(callback_held_sequences)')).toThrow(/not in the PromQL this script reads/);
  });

  it('evaluates rates, aggregations, quantiles and filters as Prometheus does', () => {
    const metrics = (delivered: number, open: number) =>
      picture.parseExposition(
        [
          '# TYPE callback_delivery_attempts_total counter',
          `callback_delivery_attempts_total{outcome="delivered",app="dispatcher"} ${delivered}`,
          `callback_delivery_attempt_duration_seconds_bucket{le="0.1"} ${delivered / 2}`,
          `callback_delivery_attempt_duration_seconds_bucket{le="0.5"} ${delivered}`,
          `callback_delivery_attempt_duration_seconds_bucket{le="+Inf"} ${delivered}`,
          `callback_endpoint_circuit_state{endpoint_host="h:1",endpoint_id="a"} ${open}`,
          'callback_endpoint_circuit_state{endpoint_host="h:1",endpoint_id="b"} 2',
        ].join('\n'),
      );
    // Two replicas; the second restarted between its scrapes (its counter went back to 0).
    const scrapes = new Map<string, Scrape[]>([
      [
        'd1:8182',
        [
          { t: 0, series: metrics(0, 0) },
          { t: 30_000, series: metrics(30, 2) },
          { t: 60_000, series: metrics(60, 2) },
        ],
      ],
      [
        'd2:8182',
        [
          { t: 0, series: metrics(100, 2) },
          { t: 30_000, series: metrics(10, 2) },
          { t: 60_000, series: metrics(40, 2) },
        ],
      ],
    ]);
    // At 50 s the window [1m] holds the scrapes at 0 and 30 s: d1 rose by 30, d2 restarted and counted 10.
    expect(at('sum by (outcome) (rate(callback_delivery_attempts_total[1m]))', 50_000, scrapes)).toEqual([
      { labels: { outcome: 'delivered' }, value: 40 / 30 },
    ]);
    // Half of the attempts in the first bucket (le 0.1): the median is its upper bound.
    const p50 = at('histogram_quantile(0.5, sum by (le) (rate(callback_delivery_attempt_duration_seconds_bucket[1m])))', 50_000, scrapes);
    expect(p50).toEqual([{ labels: {}, value: expect.closeTo(0.1, 5) }]);
    // An endpoint open on either replica counts once (a and b); counted per replica, 3 at the start.
    expect(
      at('count by (endpoint_host) (max by (endpoint_host, endpoint_id) (callback_endpoint_circuit_state) == 2)', 50_000, scrapes),
    ).toEqual([{ labels: { endpoint_host: 'h:1' }, value: 2 }]);
    expect(at('count by (endpoint_host) (callback_endpoint_circuit_state == 2)', 0, scrapes)).toEqual([
      { labels: { endpoint_host: 'h:1' }, value: 3 },
    ]);
  });
});
