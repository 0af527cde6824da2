/**
 * What an object literal costs on this Node, by where its spread stands (docs/performance.md,
 * "The fourth pass"): on Node 20 a literal that starts with a spread and then
 * adds keys the spread did not have takes V8's slow path, about 0.7 µs a key.
 *
 *   npx ts-node --transpile-only bench/leading-spread-cost.ts
 */
const base = { id: 'x', type: 'CONSUMER', state: 'INITIAL', createdAt: 1, stateTimestamp: 1, version: 1, eventSequence: 1 };
const agent = {};
const headers = { 'content-type': 'application/json' };

const shapes: [string, () => object][] = [
  ['{ ...base }', () => ({ ...base })],
  ['{ ...base, keys it has }', () => ({ ...base, state: 'STARTED', version: 2 })],
  ['{ ...base, one new key }', () => ({ ...base, method: 'POST' })],
  ['{ ...base, three new keys }', () => ({ ...base, method: 'POST', agent, headers })],
  ['{ three new keys, ...base }', () => ({ method: 'POST', agent, headers, ...base })],
  ['Object.assign({}, base, { three })', () => Object.assign({}, base, { method: 'POST', agent, headers })],
  ['every key written out', () => ({ id: base.id, type: base.type, state: base.state, method: 'POST', agent, headers })],
];

let sink: object | undefined;
for (const [name, make] of shapes) {
  for (let i = 0; i < 100_000; i++) sink = make();
  const started = process.hrtime.bigint();
  const runs = 500_000;
  for (let i = 0; i < runs; i++) sink = make();
  const ns = Number(process.hrtime.bigint() - started) / runs;
  console.log(`${name.padEnd(40)} ${ns.toFixed(0).padStart(6)} ns`);
}
if (sink === undefined) console.log('');
console.log(`node ${process.version}`);
