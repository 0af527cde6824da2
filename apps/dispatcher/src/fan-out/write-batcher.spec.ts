import { WriteBatcher } from './write-batcher';

/** A write that ends when the test says so, remembering each call's items. */
function controlledWrite() {
  const calls: { items: number[]; end: (err?: Error) => void }[] = [];
  const write = (items: number[]) =>
    new Promise<void>((resolve, reject) => calls.push({ items, end: (err) => (err ? reject(err) : resolve()) }));
  return { calls, write };
}

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('WriteBatcher', () => {
  it('makes what is asked for in one turn one call', async () => {
    const { calls, write } = controlledWrite();
    const batcher = new WriteBatcher(write);
    const done = [batcher.add(1), batcher.add(2), batcher.add(3)];
    await nextTurn();
    expect(calls.map((c) => c.items)).toEqual([[1, 2, 3]]);
    calls[0].end();
    await Promise.all(done);
  });

  it('keeps one call under way: what comes meanwhile goes as the next call, all of it together', async () => {
    const { calls, write } = controlledWrite();
    const batcher = new WriteBatcher(write);
    const first = batcher.add(1);
    await nextTurn();
    const later = [batcher.add(2)];
    await nextTurn();
    later.push(batcher.add(3));
    await nextTurn();
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    calls[0].end();
    await first;
    await nextTurn();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3]]);
    calls[1].end();
    await Promise.all(later);
  });

  it('tells each caller whether its own call went through', async () => {
    const { calls, write } = controlledWrite();
    const batcher = new WriteBatcher(write);
    const failing = batcher.add(1);
    await nextTurn();
    const next = batcher.add(2);
    calls[0].end(new Error('OOM'));
    await expect(failing).rejects.toThrow('OOM');
    await nextTurn();
    calls[1].end();
    await expect(next).resolves.toBeUndefined();
  });
});
