import { LocalTurns } from './local-turns';

describe('LocalTurns', () => {
  it('lets a delivery wait only behind a head being sent here', () => {
    const turns = new LocalTurns();
    expect(turns.canWait('lane')).toBe(false);
    const done = turns.sending('lane');
    expect(turns.canWait('lane')).toBe(true);
    expect(turns.canWait('other')).toBe(false);
    done();
    expect(turns.canWait('lane')).toBe(false);
  });

  it('hands the lane from head to woken waiter, so the ones behind keep waiting here', async () => {
    const turns = new LocalTurns();
    const first = turns.sending('lane');
    const second = turns.wait('lane', 'd2');
    const third = turns.wait('lane', 'd3');
    expect(turns.wake('d2')).toBe(true);
    first();
    const secondDone = await second.turn;
    expect(secondDone).toBeInstanceOf(Function);
    expect(turns.canWait('lane')).toBe(true);
    expect(turns.wake('d3')).toBe(true);
    secondDone!();
    (await third.turn)!();
    expect(turns.canWait('lane')).toBe(false);
  });

  it('gives up the waiters of a lane whose last head here settles without waking them', async () => {
    const turns = new LocalTurns();
    const head = turns.sending('lane');
    const waiting = turns.wait('lane', 'd2');
    const elsewhere = turns.sending('other');
    const other = turns.wait('other', 'o2');
    head();
    expect(await waiting.turn).toBeNull();
    expect(turns.wake('d2')).toBe(false);
    // Another lane is untouched.
    expect(turns.wake('o2')).toBe(true);
    expect(await other.turn).toBeInstanceOf(Function);
    elsewhere();
  });

  it('gives every waiter up at shutdown, and a cancelled or unknown one is not woken', async () => {
    const turns = new LocalTurns();
    turns.sending('lane');
    const a = turns.wait('lane', 'a');
    const b = turns.wait('lane', 'b');
    b.cancel();
    expect(await b.turn).toBeNull();
    expect(turns.wake('b')).toBe(false);
    expect(turns.wake('nobody')).toBe(false);
    turns.releaseAll();
    expect(await a.turn).toBeNull();
  });
});
