import { InFlightBudget } from './in-flight-budget';

describe('the in-flight budget', () => {
  const setUp = (limit: number) => {
    const started: string[] = [];
    let roomFreed = 0;
    // A started entry takes a slot for its one delivery, as the dispatcher's do.
    const budget: InFlightBudget<string> = new InFlightBudget<string>(
      limit,
      (entry) => {
        started.push(entry);
        budget.open();
      },
      () => roomFreed++,
    );
    return { budget, started, roomFreed: () => roomFreed };
  };

  it('starts entries while slots are free and keeps the rest waiting, out of the room', () => {
    const { budget, started } = setUp(2);
    const slots = [budget.open(), budget.open()];
    budget.take(['a', 'b']);
    expect(started).toEqual([]);
    expect(budget.room()).toBe(-2);
    // Busy is the larger of in flight and being recorded: a try that ended frees room at once.
    slots[0].tried();
    expect(started).toEqual(['a']);
    slots[0].ended();
    expect(started).toEqual(['a']);
    slots[1].tried();
    expect(started).toEqual(['a', 'b']);
  });

  it('counts records being written against the room, and frees the slot once recorded', () => {
    const { budget, roomFreed } = setUp(1);
    const slot = budget.open();
    slot.tried();
    expect(budget.room()).toBe(0);
    slot.ended();
    expect(budget.room()).toBe(1);
    expect(roomFreed()).toBe(2);
  });

  it('lends the slot of a delivery waiting its turn in memory, and takes it back', () => {
    const { budget, started } = setUp(1);
    const slot = budget.open();
    budget.take(['next']);
    slot.lend();
    expect(started).toEqual(['next']);
    // Its turn came while another used the slot: over the limit until one of them ends.
    slot.takeBack();
    expect(budget.room()).toBe(-1);
  });

  it('hands back what never started', () => {
    const { budget } = setUp(1);
    budget.open();
    budget.take(['x', 'y']);
    expect(budget.drain()).toEqual(['x', 'y']);
    expect(budget.room()).toBe(0);
  });
});
