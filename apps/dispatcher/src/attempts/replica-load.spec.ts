import { replicaBusy } from './replica-load';

const spin = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};
const idle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('replicaBusy', () => {
  it('says busy after half a second of the event loop running code, and not after one of waiting', async () => {
    const busy = replicaBusy();
    await idle(10);
    spin(600);
    expect(busy()).toBe(true);
    await idle(600);
    expect(busy()).toBe(false);
  });
});
