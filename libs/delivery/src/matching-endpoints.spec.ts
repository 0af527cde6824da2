import { CallbackAddress } from '@app/events';
import { StaticCallback } from '@app/platform';
import { matchingEndpoints } from './matching-endpoints';

const dynamic = (uri: string, events: string[], over: Partial<CallbackAddress> = {}): CallbackAddress => ({
  uri,
  events,
  transactional: false,
  ...over,
});
const fixed = (id: string, uri: string, events: string[], over: Partial<StaticCallback> = {}): StaticCallback => ({
  id,
  uri,
  events,
  transactional: false,
  ...over,
});

describe('matchingEndpoints', () => {
  it("sends an event to every callback address whose filter is a prefix of the event's name", () => {
    const endpoints = matchingEndpoints(
      'TransferProcessStarted',
      [],
      [
        dynamic('https://a.example/all', ['transfer.process']),
        dynamic('https://b.example/started', ['transfer.process.started']),
        dynamic('https://c.example/s', ['transfer.process.s']),
        dynamic('https://d.example/completed', ['transfer.process.completed']),
        dynamic('https://e.example/negotiations', ['contract.negotiation']),
      ],
      false,
    );
    expect(endpoints.map((e) => e.uri)).toEqual(['https://a.example/all', 'https://b.example/started', 'https://c.example/s']);
  });

  it('sends nothing to a callback address with no filters', () => {
    expect(matchingEndpoints('TransferProcessStarted', [], [dynamic('https://a.example', [])], false)).toEqual([]);
  });

  it('matches the resumed event by its EDC name, transfer.process.resuming', () => {
    const endpoints = matchingEndpoints(
      'TransferProcessResumed',
      [],
      [dynamic('https://a', ['transfer.process.resuming']), dynamic('https://b', ['transfer.process.resumed'])],
      false,
    );
    expect(endpoints.map((e) => e.uri)).toEqual(['https://a']);
  });

  it('keeps transactional and other callbacks apart: each call gets only its own kind', () => {
    const addresses = [
      dynamic('https://tx', ['transfer.process'], { transactional: true }),
      dynamic('https://async', ['transfer.process']),
    ];
    expect(matchingEndpoints('TransferProcessCompleted', [], addresses, true).map((e) => e.uri)).toEqual(['https://tx']);
    expect(matchingEndpoints('TransferProcessCompleted', [], addresses, false).map((e) => e.uri)).toEqual(['https://async']);
  });

  it("sends every event to a matching static callback, first, marked with the static callback's id", () => {
    const endpoints = matchingEndpoints(
      'ContractNegotiationAgreed',
      [
        fixed('AUDIT', 'https://audit.example', ['contract.negotiation', 'transfer.process']),
        fixed('TRANSFERS', 'https://t.example', ['transfer.process']),
      ],
      [dynamic('https://app.example', ['contract.negotiation.agreed'])],
      false,
    );
    expect(endpoints).toEqual([
      { uri: 'https://audit.example', authKey: undefined, authCodeId: undefined, staticId: 'AUDIT' },
      { uri: 'https://app.example', authKey: undefined, authCodeId: undefined },
    ]);
  });

  it("carries each endpoint's authKey and authCodeId, so the secret goes to the right one", () => {
    const endpoints = matchingEndpoints(
      'TransferProcessStarted',
      [fixed('S', 'https://s.example', ['transfer.process'], { authKey: 'x-api-key', authCodeId: 'static-secret' })],
      [dynamic('https://d.example', ['transfer.process'], { authCodeId: 'dynamic-secret' })],
      false,
    );
    expect(endpoints).toEqual([
      { uri: 'https://s.example', authKey: 'x-api-key', authCodeId: 'static-secret', staticId: 'S' },
      { uri: 'https://d.example', authKey: undefined, authCodeId: 'dynamic-secret' },
    ]);
  });

  it('sends an event once to a URI named twice, the static callback winning over a callback address', () => {
    const endpoints = matchingEndpoints(
      'TransferProcessStarted',
      [fixed('S', 'https://same.example/cb', ['transfer.process'])],
      [
        dynamic('https://same.example/cb', ['transfer.process.started'], { authCodeId: 'other' }),
        dynamic('https://other.example', ['transfer.process']),
        dynamic('https://other.example', ['transfer']),
      ],
      false,
    );
    expect(endpoints).toEqual([
      { uri: 'https://same.example/cb', authKey: undefined, authCodeId: undefined, staticId: 'S' },
      { uri: 'https://other.example', authKey: undefined, authCodeId: undefined },
    ]);
  });

  it('counts a URI twice when it differs by a single character (no normalisation)', () => {
    const endpoints = matchingEndpoints(
      'TransferProcessStarted',
      [],
      [dynamic('https://a.example/cb', ['transfer']), dynamic('https://a.example/cb/', ['transfer'])],
      false,
    );
    expect(endpoints).toHaveLength(2);
  });

  it('does not let a URI that does not match take the place of one that does', () => {
    const endpoints = matchingEndpoints(
      'TransferProcessStarted',
      [fixed('S', 'https://same.example', ['contract.negotiation'])],
      [dynamic('https://same.example', ['transfer.process'], { authCodeId: 'mine' })],
      false,
    );
    expect(endpoints).toEqual([{ uri: 'https://same.example', authKey: undefined, authCodeId: 'mine' }]);
  });
});
