import { matchesEventFilters } from './event-filter';
import { EVENT_FILTER_NAMES, EVENT_TYPES, filterNameOf } from './event-types';

describe('matchesEventFilters', () => {
  const transferNames = EVENT_TYPES.filter((t) => t.startsWith('TransferProcess')).map(filterNameOf);

  it('"transfer.process" matches every transfer event', () => {
    expect(transferNames.length).toBeGreaterThan(0);
    for (const name of transferNames) expect(matchesEventFilters(['transfer.process'], name)).toBe(true);
  });

  it('has no dot boundary: "transfer.process.s" matches started and suspended only', () => {
    const matched = transferNames.filter((name) => matchesEventFilters(['transfer.process.s'], name));
    expect(matched.sort()).toEqual(['transfer.process.started', 'transfer.process.suspended']);
  });

  it('an empty filter list matches nothing', () => {
    for (const type of EVENT_TYPES) expect(matchesEventFilters([], filterNameOf(type))).toBe(false);
  });

  it('"contract.negotiation" does not match transfer events', () => {
    for (const name of transferNames) expect(matchesEventFilters(['contract.negotiation'], name)).toBe(false);
    expect(matchesEventFilters(['contract.negotiation'], 'contract.negotiation.agreed')).toBe(true);
  });

  it('matches when any one of several filters matches', () => {
    expect(matchesEventFilters(['contract.negotiation', 'transfer.process.started'], 'transfer.process.started')).toBe(true);
  });

  it('names the resumed event "transfer.process.resuming", as EDC does', () => {
    expect(EVENT_FILTER_NAMES.TransferProcessResumed).toBe('transfer.process.resuming');
  });

  it('gives every event type a negotiation, transfer, callback.received or endpoint filter name', () => {
    for (const type of EVENT_TYPES) {
      const name = filterNameOf(type);
      expect(
        name.startsWith('contract.negotiation.') ||
          name.startsWith('transfer.process.') ||
          name === 'callback.received' ||
          name.startsWith('endpoint.'),
      ).toBe(true);
    }
  });

  it('lists 8 negotiation events, 9 transfer events, callback.received and the 2 endpoint events', () => {
    const names = Object.values(EVENT_FILTER_NAMES);
    expect(names.filter((n) => n.startsWith('contract.negotiation.'))).toHaveLength(8);
    expect(names.filter((n) => n.startsWith('transfer.process.'))).toHaveLength(9);
    expect(names.filter((n) => n === 'callback.received')).toHaveLength(1);
    expect(names.filter((n) => n.startsWith('endpoint.'))).toEqual(['endpoint.disabled', 'endpoint.enabled']);
    expect(EVENT_TYPES).toHaveLength(20);
    expect(new Set(names).size).toBe(names.length);
  });
});
