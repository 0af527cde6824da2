import { envelopeJson, StreamEvent, streamEventJson } from './event-envelope';

describe('streamEventJson', () => {
  const event: StreamEvent = {
    envelope: { id: 'e-1', at: 1, type: 'TransferProcessInitiated', payload: { transferProcessId: 't-1', note: 'quote " and \u2028' } },
    entity: { kind: 'transferprocess', id: 't-1' },
    sequence: 1,
    callbackAddresses: [{ uri: 'http://a.example/', events: ['transfer'], transactional: false }],
    trace: { traceparent: '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01' },
  };

  it('is the JSON of the event, its envelope written once and reused', () => {
    expect(JSON.parse(streamEventJson(event))).toEqual(event);
    expect(envelopeJson(event.envelope)).toBe(envelopeJson(event.envelope));
    expect(streamEventJson({ ...event, lanes: { abc: 'hold' } })).toContain(envelopeJson(event.envelope));
  });
});
