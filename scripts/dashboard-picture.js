#!/usr/bin/env node
// The Grafana dashboard's panels (deploy/grafana/dashboards/callback-service.json) drawn as one
// SVG from series scraped off the apps' /metrics during a real run, without Prometheus or
// Grafana: the picture in docs/operations.md, "Dashboards".
//
//   node scripts/dashboard-picture.js scrape <samples.jsonl> <metrics URL>... [--every 5] [--for 600]
//     appends every scrape of every URL (the api's and each dispatcher's /metrics), until --for
//     seconds have passed or Ctrl-C;
//   node scripts/dashboard-picture.js render <samples.jsonl> <picture.svg> [--dashboard <json>]
//     evaluates each panel's queries at every scrape and draws the panels where the dashboard
//     puts them.
//
// The queries are evaluated by a small PromQL subset, the one the dashboard uses (and the
// script refuses anything else, by name): selectors with `=`, `=~`; `rate(...[1m])`;
// `sum|max|count by (...)`; `histogram_quantile`; `== <number>`. `rate` is Prometheus's without
// its extrapolation: the increase between the first and last sample in the window over their
// distance (counter resets are counted as Prometheus counts them). Each scraped URL is one
// `instance`, as Prometheus would label it.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
/** The value of `--name <value>`, taken out of `args`. */
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args.splice(i, 2)[1];
};
const options = { every: Number(flag('every', 5)), for: Number(flag('for', 600)), dashboard: flag('dashboard', null) };
const [command, ...rest] = args;

// ---------------------------------------------------------------------------------------------
// Scraping: Prometheus' text format, one JSON line per scrape.

/** `name{a="x",b="y"} 1.5` lines of the text format, as {name, labels, value}; comments skipped. */
function parseExposition(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key] = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    out.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return out;
}

async function scrape(file, urls) {
  const everyMs = options.every * 1000;
  const until = Date.now() + options.for * 1000;
  if (!file || urls.length === 0) usage();
  process.on('SIGINT', () => process.exit(0));
  while (Date.now() < until) {
    const started = Date.now();
    for (const url of urls) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
        const series = parseExposition(await res.text());
        fs.appendFileSync(file, JSON.stringify({ t: started, instance: new URL(url).host, series }) + '\n');
      } catch (err) {
        process.stderr.write(`${url}: ${err.message}\n`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, everyMs - (Date.now() - started))));
  }
}

function usage() {
  process.stderr.write(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 12).join('\n') + '\n');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// The PromQL subset: parsed into a tree, evaluated at one time over the scrapes.

function parse(text) {
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|=~|!=|==|[a-zA-Z_:][\w:]*|\d+(?:\.\d+)?[smh]?|[{}()[\],=]/g);
  let i = 0;
  const peek = () => tokens[i];
  const next = (expected) => {
    const token = tokens[i++];
    if (expected !== undefined && token !== expected) throw new Error(`expected ${expected} at "${token}" in ${text}`);
    return token;
  };
  const labelList = () => {
    next('(');
    const labels = [];
    while (peek() !== ')') {
      labels.push(next());
      if (peek() === ',') next();
    }
    next(')');
    return labels;
  };
  function primary() {
    const word = next();
    if (['sum', 'max', 'count'].includes(word)) {
      const by = peek() === 'by' ? (next('by'), labelList()) : [];
      next('(');
      const arg = expression();
      next(')');
      return { kind: 'aggregate', op: word, by, arg };
    }
    if (word === 'rate') {
      next('(');
      const arg = primary();
      next('[');
      const range = next();
      next(']');
      next(')');
      if (arg.kind !== 'selector') throw new Error(`rate of a ${arg.kind} in ${text}`);
      return { kind: 'rate', arg, rangeMs: Number(range.slice(0, -1)) * { s: 1e3, m: 60e3, h: 3600e3 }[range.at(-1)] };
    }
    if (word === 'histogram_quantile') {
      next('(');
      const q = Number(next());
      next(',');
      const arg = expression();
      next(')');
      return { kind: 'quantile', q, arg };
    }
    if (!/^[a-zA-Z_:]/.test(word)) throw new Error(`"${word}" is not in the PromQL this script reads (${text})`);
    const matchers = [];
    if (peek() === '{') {
      next('{');
      while (peek() !== '}') {
        const label = next();
        const op = next();
        if (op !== '=' && op !== '=~') throw new Error(`matcher ${op} is not in the PromQL this script reads (${text})`);
        const value = JSON.parse(next());
        matchers.push(
          op === '=' ? (labels) => labels[label] === value : (labels) => new RegExp(`^(?:${value})$`).test(labels[label] ?? ''),
        );
        if (peek() === ',') next();
      }
      next('}');
    }
    return { kind: 'selector', name: word, matchers };
  }
  function expression() {
    const left = primary();
    if (peek() !== '==') return left;
    next('==');
    return { kind: 'equals', arg: left, value: Number(next()) };
  }
  const tree = expression();
  if (i !== tokens.length) throw new Error(`"${tokens.slice(i).join(' ')}" is not in the PromQL this script reads (${text})`);
  return tree;
}

const keyOf = (labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
const STALE_MS = 30_000;

/** Evaluates `node` at `t` over `scrapes` (instance -> scrapes in time order): a list of {labels, value}. */
function evaluate(node, t, scrapes) {
  switch (node.kind) {
    case 'selector': {
      const out = [];
      for (const [instance, list] of scrapes) {
        const last = list.findLast((s) => s.t <= t);
        if (!last || t - last.t > STALE_MS) continue;
        for (const s of last.series)
          if (s.name === node.name && node.matchers.every((m) => m(s.labels)))
            out.push({ labels: { ...s.labels, instance }, value: s.value });
      }
      return out;
    }
    case 'rate': {
      const out = [];
      for (const [instance, list] of scrapes) {
        const window = list.filter((s) => s.t <= t && s.t > t - node.rangeMs);
        if (window.length < 2) continue;
        const points = new Map();
        for (const scrape of window)
          for (const s of scrape.series)
            if (s.name === node.arg.name && node.arg.matchers.every((m) => m(s.labels))) {
              const key = keyOf(s.labels);
              if (!points.has(key)) points.set(key, { labels: { ...s.labels, instance }, values: [] });
              points.get(key).values.push([scrape.t, s.value]);
            }
        for (const { labels, values } of points.values()) {
          if (values.length < 2) continue;
          let increase = 0;
          for (let k = 1; k < values.length; k++)
            increase += values[k][1] >= values[k - 1][1] ? values[k][1] - values[k - 1][1] : values[k][1];
          out.push({ labels, value: increase / ((values.at(-1)[0] - values[0][0]) / 1000) });
        }
      }
      return out;
    }
    case 'aggregate': {
      const groups = new Map();
      for (const { labels, value } of evaluate(node.arg, t, scrapes)) {
        const kept = Object.fromEntries(node.by.filter((l) => labels[l] !== undefined).map((l) => [l, labels[l]]));
        const key = keyOf(kept);
        if (!groups.has(key)) groups.set(key, { labels: kept, values: [] });
        groups.get(key).values.push(value);
      }
      const reduce = { sum: (v) => v.reduce((a, b) => a + b, 0), max: (v) => Math.max(...v), count: (v) => v.length }[node.op];
      return [...groups.values()].map(({ labels, values }) => ({ labels, value: reduce(values) }));
    }
    case 'equals':
      return evaluate(node.arg, t, scrapes).filter((s) => s.value === node.value);
    case 'quantile': {
      const groups = new Map();
      for (const { labels, value } of evaluate(node.arg, t, scrapes)) {
        const { le, ...rest } = labels;
        const key = keyOf(rest);
        if (!groups.has(key)) groups.set(key, { labels: rest, buckets: [] });
        groups.get(key).buckets.push([le === '+Inf' ? Infinity : Number(le), value]);
      }
      return [...groups.values()].flatMap(({ labels, buckets }) => {
        const value = quantile(
          node.q,
          buckets.sort((a, b) => a[0] - b[0]),
        );
        return Number.isNaN(value) ? [] : [{ labels, value }];
      });
    }
  }
}

/** Prometheus' histogram_quantile over cumulative buckets [upper bound, count], sorted. */
function quantile(q, buckets) {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  const b = buckets.findIndex(([, count]) => count >= rank);
  if (buckets[b][0] === Infinity) return buckets.at(-2)?.[0] ?? NaN;
  const [lower, below] = b === 0 ? [0, 0] : buckets[b - 1];
  const [upper, count] = buckets[b];
  return lower + (upper - lower) * ((rank - below) / (count - below || 1));
}

// ---------------------------------------------------------------------------------------------
// Drawing: the dashboard's 24-column grid, one line chart per panel.

const COLUMN = 46;
const ROW = 30;
const COLORS = ['#73bf69', '#f2cc0c', '#5794f2', '#ff9830', '#f2495c', '#b877d9', '#8ab8ff', '#fade2a', '#96d98d', '#ffa6b0'];
const xmlText = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function formatValue(value, unit) {
  if (unit === 's') return value < 1 ? `${+(value * 1000).toPrecision(3)} ms` : `${+value.toPrecision(3)} s`;
  const text = Math.abs(value) >= 1000 ? `${+(value / 1000).toPrecision(3)}k` : `${+value.toPrecision(3)}`;
  return unit === 'ops' ? `${text}/s` : text;
}

function drawPanel(panel, lines, times) {
  const { x, y, w, h } = panel.gridPos;
  const [left, top, width, height] = [x * COLUMN + 4, y * ROW + 44, w * COLUMN - 8, h * ROW - 8];
  const plot = { left: left + 58, top: top + 30, width: width - 70, height: height - 78 };
  const unit = panel.fieldConfig?.defaults?.unit;
  const out = [
    `<rect x="${left}" y="${top}" width="${width}" height="${height}" rx="3" fill="#181b1f" stroke="#2c3235"/>`,
    `<text x="${left + 10}" y="${top + 19}" fill="#ccccdc" font-size="13" font-weight="500">${xmlText(panel.title)}</text>`,
  ];
  const values = lines.flatMap((l) => l.points.map(([, v]) => v));
  if (values.length === 0) {
    out.push(`<text x="${left + width / 2}" y="${top + height / 2}" fill="#8e8e8e" font-size="13" text-anchor="middle">No data</text>`);
    return out.join('\n');
  }
  const max = Math.max(...values) || 1;
  const [t0, t1] = [times[0], times.at(-1)];
  const px = (t) => plot.left + ((t - t0) / (t1 - t0 || 1)) * plot.width;
  const py = (v) => plot.top + plot.height - (v / max) * plot.height;
  for (const fraction of [0, 0.5, 1]) {
    const yy = py(max * fraction);
    out.push(`<line x1="${plot.left}" x2="${plot.left + plot.width}" y1="${yy}" y2="${yy}" stroke="#2c3235"/>`);
    out.push(
      `<text x="${plot.left - 6}" y="${yy + 4}" fill="#8e8e8e" font-size="10" text-anchor="end">${formatValue(max * fraction, unit)}</text>`,
    );
  }
  for (let m = 0; m <= (t1 - t0) / 60_000; m += 2) {
    const xx = px(t0 + m * 60_000);
    out.push(`<text x="${xx}" y="${plot.top + plot.height + 14}" fill="#8e8e8e" font-size="10" text-anchor="middle">${m}m</text>`);
  }
  lines.forEach((line, k) => {
    const d = line.points.map(
      ([t, v], j) => `${j === 0 || t - line.points[j - 1][0] > STALE_MS ? 'M' : 'L'}${px(t).toFixed(1)},${py(v).toFixed(1)}`,
    );
    out.push(`<path d="${d.join('')}" fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.5"/>`);
  });
  // The legend: as many names as fit on two lines, then how many more.
  let lx = left + 10;
  let ly = top + height - 26;
  for (const [k, line] of lines.entries()) {
    const label = line.name.length > 28 ? `${line.name.slice(0, 27)}…` : line.name;
    const size = 16 + label.length * 6;
    if (lx + size > left + width - 10) {
      if (ly > top + height - 20) {
        out.push(`<text x="${lx}" y="${ly + 4}" fill="#8e8e8e" font-size="10">+${lines.length - k} more</text>`);
        break;
      }
      lx = left + 10;
      ly += 14;
    }
    out.push(`<rect x="${lx}" y="${ly - 2}" width="10" height="3" fill="${COLORS[k % COLORS.length]}"/>`);
    out.push(`<text x="${lx + 14}" y="${ly + 3}" fill="#ccccdc" font-size="10">${xmlText(label)}</text>`);
    lx += size;
  }
  return out.join('\n');
}

function render(samplesFile, outFile) {
  if (!samplesFile || !outFile) usage();
  const dashboardFile = options.dashboard ?? path.join(__dirname, '../deploy/grafana/dashboards/callback-service.json');
  const dashboard = JSON.parse(fs.readFileSync(dashboardFile, 'utf8'));
  const scrapes = new Map();
  for (const line of fs.readFileSync(samplesFile, 'utf8').split('\n').filter(Boolean)) {
    const scrape = JSON.parse(line);
    if (!scrapes.has(scrape.instance)) scrapes.set(scrape.instance, []);
    scrapes.get(scrape.instance).push(scrape);
  }
  // Evaluated where Grafana would ask: at each scrape of the first instance.
  const times = [...scrapes.values()][0].map((s) => s.t + 1000);
  const panels = dashboard.panels.filter((p) => p.type === 'timeseries');
  const svg = panels.map((panel) => {
    const lines = new Map();
    for (const target of panel.targets) {
      const tree = parse(target.expr);
      for (const t of times)
        for (const { labels, value } of evaluate(tree, t, scrapes)) {
          const name = (target.legendFormat ?? '').replace(/\{\{\s*(\w+)\s*\}\}/g, (_, l) => labels[l] ?? '') || keyOf(labels);
          if (!lines.has(name)) lines.set(name, { name, points: [] });
          lines.get(name).points.push([t, value]);
        }
    }
    const sorted = [...lines.values()].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    return drawPanel(panel, sorted, times);
  });
  const width = 24 * COLUMN;
  const height = Math.max(...panels.map((p) => (p.gridPos.y + p.gridPos.h) * ROW)) + 48;
  const minutes = Math.round((times.at(-1) - times[0]) / 60_000);
  const subtitle = `${minutes} minutes, ${scrapes.size} processes scraped every ${Math.round((times[1] - times[0]) / 1000)} s (${[...scrapes.keys()].join(', ')})`;
  fs.writeFileSync(
    outFile,
    [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="Inter, Helvetica, Arial, sans-serif">`,
      `<rect width="100%" height="100%" fill="#111217"/>`,
      `<text x="8" y="22" fill="#ccccdc" font-size="16" font-weight="500">${xmlText(dashboard.title)}</text>`,
      `<text x="8" y="38" fill="#8e8e8e" font-size="11">${xmlText(subtitle)}</text>`,
      ...svg,
      '</svg>',
      '',
    ].join('\n'),
  );
  process.stdout.write(`${outFile}: ${panels.length} panels, ${times.length} points each\n`);
}

if (require.main === module) {
  if (command === 'scrape') scrape(rest[0], rest.slice(1));
  else if (command === 'render') render(rest[0], rest[1]);
  else usage();
}

/** For test/dashboard-picture.spec.ts. */
module.exports = { parse, evaluate, parseExposition };
