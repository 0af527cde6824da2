import { ReceivedCall, Receiver } from './support/receiver';
import { apiClient, EDC_RESPONSE_CONTEXT, Stack, startStack, transferRequest } from './support/harness';

// Manual mode: nothing moves by itself, so every event a receiver sees comes from a signal or
// a management command of the test, and counts are exact.

const COUNTER_PARTY_ADDRESS = 'http://provider.example/dsp';
const PROTOCOL = 'dataspace-protocol-http';

const contractRequest = (callbackAddresses: object[]) => ({
  '@context': { '@vocab': 'https://w3id.org/edc/v0.0.1/ns/' },
  '@type': 'ContractRequest',
  counterPartyAddress: COUNTER_PARTY_ADDRESS,
  protocol: PROTOCOL,
  policy: {
    '@context': 'http://www.w3.org/ns/odrl.jsonld',
    '@type': 'odrl:Offer',
    '@id': 'offer-1',
    assigner: 'provider-1',
    target: 'asset-1',
  },
  callbackAddresses,
});

const NEGOTIATION_EVENT_OF: Record<string, string> = {
  requested: 'ContractNegotiationRequested',
  offered: 'ContractNegotiationOffered',
  accepted: 'ContractNegotiationAccepted',
  agreed: 'ContractNegotiationAgreed',
  verified: 'ContractNegotiationVerified',
  finalized: 'ContractNegotiationFinalized',
  terminated: 'ContractNegotiationTerminated',
};

const sequenceOf = (call: ReceivedCall) => Number(call.headers['x-event-sequence']);
const bySequence = (calls: ReceivedCall[]) => [...calls].sort((a, b) => sequenceOf(a) - sequenceOf(b));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

interface NegotiationPath {
  title: string;
  /** Signals that drive the negotiation from INITIAL, in order. */
  signals: string[];
  /** How it is terminated at the end, if it is. */
  terminateBy?: 'command' | 'signal';
}

const FINALIZED_PATHS: NegotiationPath[] = [
  { title: 'finalized via requested, agreed, verified, finalized', signals: ['requested', 'agreed', 'verified', 'finalized'] },
  {
    title: 'finalized via offered, accepted, agreed, verified, finalized',
    signals: ['offered', 'accepted', 'agreed', 'verified', 'finalized'],
  },
  {
    title: 'finalized via requested, offered (counter-offer), accepted, agreed, verified, finalized',
    signals: ['requested', 'offered', 'accepted', 'agreed', 'verified', 'finalized'],
  },
];

/** A signal path to each non-final state. */
const TO_STATE: Record<string, string[]> = {
  INITIAL: [],
  REQUESTED: ['requested'],
  OFFERED: ['offered'],
  ACCEPTED: ['offered', 'accepted'],
  AGREED: ['requested', 'agreed'],
  VERIFIED: ['requested', 'agreed', 'verified'],
};

const TERMINATED_PATHS: NegotiationPath[] = Object.entries(TO_STATE).flatMap(([state, signals]) =>
  (['command', 'signal'] as const).map((terminateBy) => ({
    title: `terminated from ${state} by the ${terminateBy === 'command' ? 'terminate command' : 'terminated signal'}`,
    signals,
    terminateBy,
  })),
);

describe('contract negotiations moved by signals emit exactly the events of their path', () => {
  let stack: Stack;
  let receiver: Receiver;
  let endpoint = 0;

  beforeAll(async () => {
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'manual' }));
    ({ receiver } = stack);
  });

  afterAll(() => stack?.stop());

  const { get, post } = apiClient(() => stack.api);

  /** A fresh receiver path with its dynamic callback address. */
  const newCallback = (events: string[]) => {
    const path = `/path-${++endpoint}`;
    return { path, callback: { uri: `${receiver.url}${path}`, events } };
  };

  /** A callback address as event payloads show it: the uri's origin only (docs/delivery.md). */
  const inPayload = (c: { uri: string; events: string[] }) => ({ uri: new URL(c.uri).origin, events: c.events, transactional: false });

  /** The calls to `path` once `count` have arrived and a while has passed for any extra one. */
  const settledEvents = async (path: string, count: number) => {
    await receiver.waitFor((calls) => calls.filter((c) => c.path === path).length >= count);
    await sleep(300);
    return bySequence(receiver.callsTo(path));
  };

  const createNegotiation = async (callbackAddresses: object[]): Promise<string> => {
    const created = await post('/management/v3/contractnegotiations', contractRequest(callbackAddresses)).expect(200);
    expect(created.body).toEqual({
      '@context': EDC_RESPONSE_CONTEXT,
      '@type': 'IdResponse',
      '@id': expect.any(String),
      createdAt: expect.any(Number),
    });
    return created.body['@id'];
  };

  const expectNegotiationState = async (id: string, state: string) => {
    const res = await get(`/management/v3/contractnegotiations/${id}/state`).expect(200);
    expect(res.body).toEqual({ '@context': EDC_RESPONSE_CONTEXT, '@type': 'NegotiationState', state });
  };

  const expectNoAgreement = async (id: string) => {
    const res = await get(`/management/v3/contractnegotiations/${id}/agreement`).expect(404);
    expect(res.body).toEqual([expect.objectContaining({ type: 'ObjectNotFound', message: expect.any(String) })]);
  };

  describe.each([...FINALIZED_PATHS, ...TERMINATED_PATHS])('$title', ({ signals, terminateBy }) => {
    it('emits its events once each, in order, with sequence 1..n and the negotiation payload', async () => {
      const { path, callback } = newCallback(['contract.negotiation']);
      const id = await createNegotiation([callback]);
      await expectNegotiationState(id, 'INITIAL');
      await expectNoAgreement(id);

      for (const signal of signals) {
        const res = await post(`/signaling/v1/contractnegotiations/${id}/${signal}`).expect(200);
        expect(res.body).toEqual({ '@type': 'NegotiationState', state: signal.toUpperCase() });
        await expectNegotiationState(id, signal.toUpperCase());
        if (signal !== 'finalized') await expectNoAgreement(id);
      }
      if (terminateBy === 'command') {
        const res = await post(`/management/v3/contractnegotiations/${id}/terminate`, { reason: 'r' }).expect(204);
        expect(res.text).toBe('');
      } else if (terminateBy === 'signal') {
        const res = await post(`/signaling/v1/contractnegotiations/${id}/terminated`, { reason: 'r' }).expect(200);
        expect(res.body).toEqual({ '@type': 'NegotiationState', state: 'TERMINATED' });
      }
      if (terminateBy) {
        await expectNegotiationState(id, 'TERMINATED');
        await expectNoAgreement(id);
      }

      const expected = [
        'ContractNegotiationInitiated',
        ...signals.map((s) => NEGOTIATION_EVENT_OF[s]),
        ...(terminateBy ? ['ContractNegotiationTerminated'] : []),
      ];
      const calls = await settledEvents(path, expected.length);
      expect(calls.map((c) => c.json.type)).toEqual(expected);
      expect(calls.map(sequenceOf)).toEqual(oneToN(expected.length));
      expect(new Set(calls.map((c) => c.json.id)).size).toBe(expected.length);
      for (const call of calls) {
        expect(call.method).toBe('POST');
        expect(call.headers['webhook-id']).toBe(call.json.id);
        expect(call.json.payload).toMatchObject({
          contractNegotiationId: id,
          counterPartyAddress: COUNTER_PARTY_ADDRESS,
          counterPartyId: 'provider-1',
          protocol: PROTOCOL,
          callbackAddresses: [inPayload(callback)],
        });
      }
      // Only the last event carries the extra payload of its type.
      for (const call of calls.slice(0, -1)) {
        expect(call.json.payload).not.toHaveProperty('contractAgreement');
        expect(call.json.payload).not.toHaveProperty('reason');
      }
      const last = calls[calls.length - 1].json.payload;

      const negotiation = await get(`/management/v3/contractnegotiations/${id}`).expect(200);
      expect(negotiation.body).toMatchObject({
        '@type': 'ContractNegotiation',
        '@id': id,
        type: 'CONSUMER',
        state: terminateBy ? 'TERMINATED' : 'FINALIZED',
        counterPartyAddress: COUNTER_PARTY_ADDRESS,
        counterPartyId: 'provider-1',
        protocol: PROTOCOL,
        callbackAddresses: [{ ...callback, transactional: false }],
      });

      if (terminateBy) {
        expect(last.reason).toBe('r');
        expect(last).not.toHaveProperty('contractAgreement');
        expect(negotiation.body.contractAgreementId).toBeUndefined();
        return;
      }

      const agreement = await get(`/management/v3/contractnegotiations/${id}/agreement`).expect(200);
      expect(agreement.body).toMatchObject({
        '@id': expect.any(String),
        providerId: 'provider-1',
        consumerId: stack.config.participantId,
        assetId: 'asset-1',
        contractSigningDate: expect.any(Number),
        policy: expect.objectContaining({
          '@type': 'odrl:Agreement',
          'odrl:assigner': { '@id': 'provider-1' },
          'odrl:target': { '@id': 'asset-1' },
        }),
      });
      // EDC gives the signing date in seconds since the epoch.
      expect(Math.abs(agreement.body.contractSigningDate - Date.now() / 1000)).toBeLessThan(120);
      expect(negotiation.body.contractAgreementId).toBe(agreement.body['@id']);
      // The event carries EDC's ContractAgreement as Jackson writes it (edc-payloads.e2e-spec.ts has every field).
      expect(last.contractAgreement).toMatchObject({
        id: agreement.body['@id'],
        providerId: 'provider-1',
        consumerId: stack.config.participantId,
        contractSigningDate: agreement.body.contractSigningDate,
        assetId: 'asset-1',
        policy: expect.objectContaining({ '@type': { '@policytype': 'contract' }, assigner: 'provider-1', target: 'asset-1' }),
      });
      expect(last).not.toHaveProperty('reason');
    });
  });

  it('answers 409 to a terminate command on a final negotiation and emits nothing', async () => {
    const { path, callback } = newCallback(['contract.negotiation']);
    const id = await createNegotiation([callback]);
    for (const signal of ['requested', 'agreed', 'verified', 'finalized'])
      await post(`/signaling/v1/contractnegotiations/${id}/${signal}`).expect(200);
    const res = await post(`/management/v3/contractnegotiations/${id}/terminate`, { reason: 'r' }).expect(409);
    expect(res.body).toEqual([{ message: expect.any(String), type: 'ObjectConflict', path: null, invalidValue: null }]);
    await expectNegotiationState(id, 'FINALIZED');
    await get(`/management/v3/contractnegotiations/${id}/agreement`).expect(200);
    const calls = await settledEvents(path, 5);
    expect(calls.map((c) => c.json.type)).toEqual([
      'ContractNegotiationInitiated',
      'ContractNegotiationRequested',
      'ContractNegotiationAgreed',
      'ContractNegotiationVerified',
      'ContractNegotiationFinalized',
    ]);
  });

  it('answers 404 ObjectNotFound for the agreement, state and terminate of an unknown negotiation', async () => {
    const unknown = 'no-such-negotiation';
    for (const res of [
      await get(`/management/v3/contractnegotiations/${unknown}`).expect(404),
      await get(`/management/v3/contractnegotiations/${unknown}/state`).expect(404),
      await get(`/management/v3/contractnegotiations/${unknown}/agreement`).expect(404),
      await post(`/management/v3/contractnegotiations/${unknown}/terminate`, { reason: 'r' }).expect(404),
    ])
      expect(res.body).toEqual([expect.objectContaining({ type: 'ObjectNotFound' })]);
  });

  describe('transfer processes', () => {
    const createTransfer = async (callbackAddresses: object[]): Promise<string> => {
      const created = await post('/management/v3/transferprocesses', transferRequest({ callbackAddresses })).expect(200);
      expect(created.body).toEqual({
        '@context': EDC_RESPONSE_CONTEXT,
        '@type': 'IdResponse',
        '@id': expect.any(String),
        createdAt: expect.any(Number),
      });
      return created.body['@id'];
    };

    const expectTransferState = async (id: string, state: string) => {
      const res = await get(`/management/v3/transferprocesses/${id}/state`).expect(200);
      expect(res.body).toEqual({ '@context': EDC_RESPONSE_CONTEXT, '@type': 'TransferState', state });
    };

    const transferSignal = async (id: string, signal: string, body?: object) => {
      const res = await post(`/signaling/v1/transferprocesses/${id}/${signal}`, body).expect(200);
      expect(res.body).toEqual({ '@type': 'TransferState', state: signal.toUpperCase() });
      await expectTransferState(id, signal.toUpperCase());
    };

    const expectTransferPayloads = (calls: ReceivedCall[], id: string, callback: { uri: string; events: string[] }) => {
      for (const call of calls) {
        expect(call.headers['webhook-id']).toBe(call.json.id);
        expect(call.json.payload).toMatchObject({
          transferProcessId: id,
          contractId: 'contract-1',
          assetId: 'asset-1',
          type: 'CONSUMER',
          protocol: 'dataspace-protocol-http',
          callbackAddresses: [inPayload(callback)],
        });
      }
    };

    const DATA_ADDRESS = { type: 'HttpData', endpoint: 'http://x' };
    /** DATA_ADDRESS as EDC's DataAddress serialises (Jackson): its properties under EDC's IRIs. */
    const EDC_DATA_ADDRESS = {
      properties: { 'https://w3id.org/edc/v0.0.1/ns/type': 'HttpData', 'https://w3id.org/edc/v0.0.1/ns/endpoint': 'http://x' },
      type: 'HttpData',
      keyName: null,
    };

    it('goes requested, started, suspended, resumed, started, completed, deprovisioned by signals, one event each', async () => {
      const { path, callback } = newCallback(['transfer.process']);
      const id = await createTransfer([callback]);
      await expectTransferState(id, 'INITIAL');

      await transferSignal(id, 'requested');
      await transferSignal(id, 'started', { dataAddress: DATA_ADDRESS });
      await transferSignal(id, 'suspended', { reason: 'paused' });
      await transferSignal(id, 'resumed');
      await transferSignal(id, 'started', { dataAddress: DATA_ADDRESS });
      await transferSignal(id, 'completed');
      await transferSignal(id, 'deprovisioned');

      const expected = [
        'TransferProcessInitiated',
        'TransferProcessRequested',
        'TransferProcessStarted',
        'TransferProcessSuspended',
        'TransferProcessResumed',
        'TransferProcessStarted',
        'TransferProcessCompleted',
        'TransferProcessDeprovisioned',
      ];
      const calls = await settledEvents(path, expected.length);
      expect(calls.map((c) => c.json.type)).toEqual(expected);
      expect(calls.map(sequenceOf)).toEqual(oneToN(expected.length));
      expect(new Set(calls.map((c) => c.json.id)).size).toBe(expected.length);
      expectTransferPayloads(calls, id, callback);
      expect(calls[2].json.payload.dataAddress).toEqual(EDC_DATA_ADDRESS);
      expect(calls[5].json.payload.dataAddress).toEqual(EDC_DATA_ADDRESS);
      expect(calls[3].json.payload.reason).toBe('paused');
      for (const i of [0, 1, 4, 6, 7]) {
        expect(calls[i].json.payload).not.toHaveProperty('dataAddress');
        expect(calls[i].json.payload).not.toHaveProperty('reason');
      }
    });

    it('answers 204 to suspend, resume, terminate and deprovision commands, each emitting one event', async () => {
      const { path, callback } = newCallback(['transfer.process']);
      // EDC calls the resumed event "transfer.process.resuming": a filter on that name sees it,
      // one on "transfer.process.resumed" sees nothing.
      const resuming = newCallback(['transfer.process.resuming']);
      const resumed = newCallback(['transfer.process.resumed']);
      const id = await createTransfer([callback, resuming.callback, resumed.callback]);
      await transferSignal(id, 'requested');
      await transferSignal(id, 'started', { dataAddress: DATA_ADDRESS });

      const command = async (name: string, body: object | undefined, state: string) => {
        const res = await post(`/management/v3/transferprocesses/${id}/${name}`, body).expect(204);
        expect(res.text).toBe('');
        await expectTransferState(id, state);
      };
      await command('suspend', { reason: 'maintenance' }, 'SUSPENDED');
      await command('resume', undefined, 'RESUMED');
      await command('terminate', { reason: 'r' }, 'TERMINATED');
      await command('deprovision', undefined, 'DEPROVISIONED');

      const expected = [
        'TransferProcessInitiated',
        'TransferProcessRequested',
        'TransferProcessStarted',
        'TransferProcessSuspended',
        'TransferProcessResumed',
        'TransferProcessTerminated',
        'TransferProcessDeprovisioned',
      ];
      const calls = await settledEvents(path, expected.length);
      expect(calls.map((c) => c.json.type)).toEqual(expected);
      expect(calls.map(sequenceOf)).toEqual(oneToN(expected.length));
      expect(new Set(calls.map((c) => c.json.id)).size).toBe(expected.length);
      const allCallbacks = [callback, resuming.callback, resumed.callback].map(inPayload);
      for (const call of calls) expect(call.json.payload).toMatchObject({ transferProcessId: id, callbackAddresses: allCallbacks });
      expect(calls[2].json.payload.dataAddress).toEqual(EDC_DATA_ADDRESS);
      expect(calls[3].json.payload.reason).toBe('maintenance');
      expect(calls[5].json.payload.reason).toBe('r');
      expect(calls[4].json.payload).not.toHaveProperty('reason');
      expect(calls[6].json.payload).not.toHaveProperty('reason');

      const resumingCalls = receiver.callsTo(resuming.path);
      expect(resumingCalls.map((c) => c.json.type)).toEqual(['TransferProcessResumed']);
      expect(resumingCalls[0].json.id).toBe(calls[4].json.id);
      expect(sequenceOf(resumingCalls[0])).toBe(5);
      expect(receiver.callsTo(resumed.path)).toHaveLength(0);
    });

    it('answers 409 to a command the machine forbids and emits nothing', async () => {
      const { path, callback } = newCallback(['transfer.process']);
      const id = await createTransfer([callback]);
      for (const [name, body] of [
        ['suspend', { reason: 'x' }],
        ['resume', undefined],
        ['deprovision', undefined],
      ] as const) {
        const res = await post(`/management/v3/transferprocesses/${id}/${name}`, body).expect(409);
        expect(res.body).toEqual([{ message: expect.any(String), type: 'ObjectConflict', path: null, invalidValue: null }]);
      }
      await expectTransferState(id, 'INITIAL');
      const calls = await settledEvents(path, 1);
      expect(calls.map((c) => c.json.type)).toEqual(['TransferProcessInitiated']);
    });
  });
});
