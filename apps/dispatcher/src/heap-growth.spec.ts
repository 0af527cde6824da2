import { ownGrowth } from './heap-growth';

describe('ownGrowth', () => {
  it('sees a growth given on the command line or in NODE_OPTIONS, in either spelling', () => {
    expect(ownGrowth(['--heap-growing-percent=30'], '')).toBe(true);
    expect(ownGrowth([], '--max-old-space-size=300 --heap-growing-percent=30')).toBe(true);
    expect(ownGrowth([], '--heap_growing_percent=30')).toBe(true);
  });

  it('sees none when neither gives one', () => {
    expect(ownGrowth(['--enable-source-maps'], '--max-old-space-size=300')).toBe(false);
    expect(ownGrowth([], '')).toBe(false);
  });
});
