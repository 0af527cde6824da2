import { NEGOTIATION_QUERY } from '../contract-negotiations/contract-negotiation.query';
import { NEGOTIATION_STATE_CODES } from '../contract-negotiations/contract-negotiation';
import { TRANSFER_QUERY } from '../transfer-processes/transfer-process.query';
import { TRANSFER_STATE_CODES } from '../transfer-processes/transfer-process';
import { isIndexed, TIME_INDEXES } from './query-schema';

// docs/architecture.md, "Queries": which fields a QuerySpec can look up directly in an index.
describe('query schemas', () => {
  it('lets a transfer query look up state, type, contractId, assetId, counterPartyAddress, protocol and transferType in an index', () => {
    const indexed = Object.keys(TRANSFER_QUERY.fields).filter((field) => isIndexed(TRANSFER_QUERY, field));
    expect(indexed.sort()).toEqual(['assetId', 'contractId', 'counterPartyAddress', 'protocol', 'state', 'transferType', 'type']);
  });

  it('lets a negotiation query look up state, type, counterPartyAddress, counterPartyId and protocol in an index', () => {
    const indexed = Object.keys(NEGOTIATION_QUERY.fields).filter((field) => isIndexed(NEGOTIATION_QUERY, field));
    expect(indexed.sort()).toEqual(['counterPartyAddress', 'counterPartyId', 'protocol', 'state', 'type']);
  });

  it('does not index id, errorDetail or the time fields by value', () => {
    for (const schema of [TRANSFER_QUERY, NEGOTIATION_QUERY])
      for (const field of ['id', 'errorDetail', 'createdAt', 'stateTimestamp']) expect(isIndexed(schema, field)).toBe(false);
  });

  it('keeps a range index on createdAt and stateTimestamp, both number fields of each kind', () => {
    expect([...TIME_INDEXES]).toEqual(['createdAt', 'stateTimestamp']);
    for (const schema of [TRANSFER_QUERY, NEGOTIATION_QUERY]) for (const field of TIME_INDEXES) expect(schema.fields[field]).toBe('number');
  });

  it('reads state names with the codes of its own machine', () => {
    expect(TRANSFER_QUERY.stateCodes).toBe(TRANSFER_STATE_CODES);
    expect(NEGOTIATION_QUERY.stateCodes).toBe(NEGOTIATION_STATE_CODES);
    expect(TRANSFER_QUERY.fields.state).toBe('state');
    expect(NEGOTIATION_QUERY.fields.state).toBe('state');
  });
});
