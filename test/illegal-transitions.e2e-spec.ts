import request from 'supertest';
import { NEGOTIATION_MACHINE } from '../apps/api/src/contract-negotiations/contract-negotiation';
import { StateMachine } from '../apps/api/src/lifecycle/state-machine';
import { TRANSFER_MACHINE } from '../apps/api/src/transfer-processes/transfer-process';
import { ReceivedCall } from './support/receiver';
import { API_KEY, EDC_RESPONSE_CONTEXT, Stack, startStack, transferRequest } from './support/harness';

// Every signal the machines forbid, from every state a signal path reaches: 409 ObjectConflict,
// the state unchanged, and no event. The table is generated from the machines the product
// runs; the first tests pin those machines to DESIGN.md and docs/architecture.md, so a wrong
// machine cannot make its own table pass.

const NEGOTIATION_SIGNALS = ['requested', 'offered', 'accepted', 'agreed', 'verified', 'finalized', 'terminated'];
const TRANSFER_SIGNALS = ['provisioned', 'requested', 'started', 'suspended', 'resumed', 'completed', 'terminated', 'deprovisioned'];

interface Kind {
  name: 'negotiation' | 'transfer';
  machine: StateMachine<string>;
  signals: string[];
  resource: string;
  stateType: string;
  filter: string;
  idField: string;
}

const NEGOTIATION: Kind = {
  name: 'negotiation',
  machine: NEGOTIATION_MACHINE as StateMachine<string>,
  signals: NEGOTIATION_SIGNALS,
  resource: 'contractnegotiations',
  stateType: 'NegotiationState',
  filter: 'contract.negotiation',
  idField: 'contractNegotiationId',
};

const TRANSFER: Kind = {
  name: 'transfer',
  machine: TRANSFER_MACHINE as StateMachine<string>,
  signals: TRANSFER_SIGNALS,
  resource: 'transferprocesses',
  stateType: 'TransferState',
  filter: 'transfer.process',
  idField: 'transferProcessId',
};

const allowed = (kind: Kind, from: string, signal: string) => kind.machine.transitions[signal.toUpperCase()]?.includes(from) ?? false;

/** The shortest signal path from INITIAL to every reachable state (BFS over the transitions). */
function signalPaths(kind: Kind): Map<string, string[]> {
  const paths = new Map<string, string[]>([['INITIAL', []]]);
  const queue = ['INITIAL'];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const signal of kind.signals) {
      const to = signal.toUpperCase();
      if (allowed(kind, from, signal) && !paths.has(to)) {
        paths.set(to, [...paths.get(from)!, signal]);
        queue.push(to);
      }
    }
  }
  return paths;
}

interface Case {
  kind: Kind;
  state: string;
  path: string[];
  signal: string;
  /** Receiver path of this case's object. */
  hook: string;
}

function illegalCases(kind: Kind): Case[] {
  return [...signalPaths(kind)].flatMap(([state, path]) =>
    kind.signals
      .filter((signal) => !allowed(kind, state, signal))
      .map((signal) => ({ kind, state, path, signal, hook: `/${kind.name}/${state}/${signal}` })),
  );
}

const sequenceOf = (call: ReceivedCall) => Number(call.headers['x-event-sequence']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the state machines are EDC's", () => {
  it('reaches every negotiation state a signal names, and only FINALIZED and TERMINATED are final', () => {
    const paths = signalPaths(NEGOTIATION);
    expect([...paths.keys()].sort()).toEqual(
      ['INITIAL', 'REQUESTED', 'OFFERED', 'ACCEPTED', 'AGREED', 'VERIFIED', 'FINALIZED', 'TERMINATED'].sort(),
    );
    for (const state of paths.keys()) {
      const next = NEGOTIATION_SIGNALS.filter((s) => allowed(NEGOTIATION, state, s));
      if (state === 'FINALIZED' || state === 'TERMINATED') expect({ state, next }).toEqual({ state, next: [] });
      else expect({ state, terminable: next.includes('terminated') }).toEqual({ state, terminable: true });
    }
    // The two finalizing paths of the contract and nothing that skips a step.
    for (const [from, signal] of [
      ['INITIAL', 'requested'],
      ['REQUESTED', 'agreed'],
      ['INITIAL', 'offered'],
      ['OFFERED', 'accepted'],
      ['ACCEPTED', 'agreed'],
      ['AGREED', 'verified'],
      ['VERIFIED', 'finalized'],
    ])
      expect({ from, signal, allowed: allowed(NEGOTIATION, from, signal) }).toEqual({ from, signal, allowed: true });
    for (const [from, signal] of [
      ['INITIAL', 'agreed'],
      ['INITIAL', 'finalized'],
      ['REQUESTED', 'finalized'],
      ['AGREED', 'finalized'],
      ['OFFERED', 'agreed'],
    ])
      expect({ from, signal, allowed: allowed(NEGOTIATION, from, signal) }).toEqual({ from, signal, allowed: false });
  });

  it('moves transfers exactly as the table of docs/architecture.md says', () => {
    const table: Record<string, string[]> = {
      PROVISIONED: ['INITIAL'],
      REQUESTED: ['INITIAL', 'PROVISIONED'],
      STARTED: ['REQUESTED', 'SUSPENDED', 'RESUMED'],
      SUSPENDED: ['STARTED'],
      RESUMED: ['SUSPENDED'],
      COMPLETED: ['STARTED'],
      TERMINATED: ['INITIAL', 'PROVISIONED', 'REQUESTED', 'STARTED', 'SUSPENDED', 'RESUMED'],
      DEPROVISIONED: ['COMPLETED', 'TERMINATED'],
    };
    for (const signal of TRANSFER_SIGNALS) {
      const to = signal.toUpperCase();
      expect({ to, from: [...(TRANSFER_MACHINE.transitions[to as keyof typeof TRANSFER_MACHINE.transitions] ?? [])].sort() }).toEqual({
        to,
        from: [...table[to]].sort(),
      });
    }
    const paths = signalPaths(TRANSFER);
    expect(paths.size).toBe(9);
    for (const state of ['COMPLETED', 'TERMINATED'])
      expect(TRANSFER_SIGNALS.filter((s) => allowed(TRANSFER, state, s))).toEqual(['deprovisioned']);
    expect(TRANSFER_SIGNALS.filter((s) => allowed(TRANSFER, 'DEPROVISIONED', s))).toEqual([]);
  });
});

describe('a signal the machine forbids answers 409, leaves the state as it was and emits nothing', () => {
  let stack: Stack;
  let base: string;

  const NEGOTIATION_CASES = illegalCases(NEGOTIATION);
  const TRANSFER_CASES = illegalCases(TRANSFER);
  const ALL_CASES = [...NEGOTIATION_CASES, ...TRANSFER_CASES];

  /** Per case: the object's id, or why it could not be driven to its state. */
  const ids = new Map<Case, string>();
  const setupErrors = new Map<Case, string>();
  let settled: Promise<void> | undefined;

  const http = () => request(base);
  const post = (path: string, body?: object) => {
    const req = http().post(path).set('x-api-key', API_KEY);
    return body === undefined ? req : req.send(body);
  };
  const get = (path: string) => http().get(path).set('x-api-key', API_KEY);

  const create = async (kind: Kind, hook: string): Promise<string> => {
    const callbackAddresses = [{ uri: `${stack.receiver.url}${hook}`, events: [kind.filter] }];
    const body =
      kind === NEGOTIATION
        ? {
            '@context': { '@vocab': 'https://w3id.org/edc/v0.0.1/ns/' },
            '@type': 'ContractRequest',
            counterPartyAddress: 'http://provider.example/dsp',
            protocol: 'dataspace-protocol-http',
            policy: { '@type': 'odrl:Offer', '@id': 'offer-1', assigner: 'provider-1', target: 'asset-1' },
            callbackAddresses,
          }
        : transferRequest({ callbackAddresses });
    const res = await post(`/management/v3/${kind.resource}`, body);
    if (res.status !== 200) throw new Error(`create ${kind.name}: ${res.status} ${res.text}`);
    return res.body['@id'];
  };

  const signal = (kind: Kind, id: string, name: string, body?: object) =>
    post(
      `/signaling/v1/${kind.resource}/${id}/${name}`,
      body ?? (name === 'started' ? { dataAddress: { type: 'HttpData' } } : { reason: 'test' }),
    );

  const stateOf = async (kind: Kind, id: string) => (await get(`/management/v3/${kind.resource}/${id}/state`).expect(200)).body;

  const eventsOf = (hook: string) => stack.receiver.callsTo(hook);

  /** Creates the case's object and moves it along its legal path; records what went wrong. */
  const prepare = async (c: Case) => {
    try {
      const id = await create(c.kind, c.hook);
      for (const step of c.path) {
        const res = await signal(c.kind, id, step);
        if (res.status !== 200) throw new Error(`legal signal ${step} on the way to ${c.state}: ${res.status} ${res.text}`);
      }
      ids.set(c, id);
    } catch (err) {
      setupErrors.set(c, String(err));
    }
  };

  beforeAll(async () => {
    stack = await startStack(() => ({ COUNTERPARTY_MODE: 'manual' }));
    // A real port rather than supertest's per-request listener: the set-up runs ~100 objects at once.
    await stack.api.listen(0, '127.0.0.1');
    base = await stack.api.getUrl();
    await Promise.all(ALL_CASES.map(prepare));
    // Every legal event has arrived before any forbidden signal is sent.
    await stack.receiver.waitFor(() => ALL_CASES.every((c) => !ids.has(c) || eventsOf(c.hook).length >= c.path.length + 1));
  });

  afterAll(() => stack?.stop());

  /**
   * Runs once, after every forbidden signal has been sent: a fresh object's Initiated event
   * goes through the same outbox and queues behind anything they might have emitted; once it
   * has arrived, wait a little more for stragglers.
   */
  const settle = () =>
    (settled ??= (async () => {
      await Promise.all([create(NEGOTIATION, '/sentinel/negotiation'), create(TRANSFER, '/sentinel/transfer')]);
      await stack.receiver.waitFor((calls) => calls.filter((c) => c.path.startsWith('/sentinel/')).length >= 2, 45_000);
      await sleep(300);
    })());

  const caseTitle = '$kind.name in $state: $signal';

  describe.each([
    ['negotiation', NEGOTIATION_CASES],
    ['transfer', TRANSFER_CASES],
  ])('%s', (_name, cases) => {
    it.each(cases)(`${caseTitle} answers 409 ObjectConflict and keeps the state`, async (c) => {
      expect(setupErrors.get(c)).toBeUndefined();
      const id = ids.get(c)!;
      const res = await signal(c.kind, id, c.signal);
      expect(res.status).toBe(409);
      expect(res.body).toEqual([{ message: expect.any(String), type: 'ObjectConflict', path: null, invalidValue: null }]);
      expect(await stateOf(c.kind, id)).toEqual({ '@context': EDC_RESPONSE_CONTEXT, '@type': c.kind.stateType, state: c.state });
    });
  });

  describe.each([
    ['negotiation', NEGOTIATION_CASES],
    ['transfer', TRANSFER_CASES],
  ])('%s', (_name, cases) => {
    it.each(cases)(`${caseTitle} emitted no event`, async (c) => {
      expect(setupErrors.get(c)).toBeUndefined();
      await settle();
      const calls = eventsOf(c.hook);
      const legal = ['INITIAL', ...c.path.map((s) => s.toUpperCase())].map((s) => c.kind.machine.eventOf[s]);
      expect(calls.map((call) => call.json.type).sort()).toEqual([...legal].sort());
      expect(calls.map(sequenceOf).sort((a, b) => a - b)).toEqual(legal.map((_, i) => i + 1));
      expect(calls.every((call) => call.json.payload[c.kind.idField] === ids.get(c))).toBe(true);
    });
  });

  it.each([NEGOTIATION, TRANSFER])('a refused signal leaves no gap in x-event-sequence ($name)', async (kind) => {
    // Where a legal move remains, make it: its event must follow the legal path's without a gap.
    const movable = ALL_CASES.filter((c) => c.kind === kind && ids.has(c)).flatMap((c) => {
      const next = kind.signals.find((s) => allowed(kind, c.state, s));
      return next ? [{ c, next }] : [];
    });
    expect(movable.length).toBeGreaterThan(0);
    await Promise.all(movable.map(({ c, next }) => signal(kind, ids.get(c)!, next).expect(200)));
    await stack.receiver.waitFor(() => movable.every(({ c }) => eventsOf(c.hook).length >= c.path.length + 2));
    for (const { c, next } of movable) {
      const last = eventsOf(c.hook).find((call) => sequenceOf(call) === c.path.length + 2);
      expect({ case: `${c.state}: ${c.signal}`, type: last?.json.type }).toEqual({
        case: `${c.state}: ${c.signal}`,
        type: kind.machine.eventOf[next.toUpperCase()],
      });
    }
  });

  describe('signals racing on one object', () => {
    it.each([
      { kind: NEGOTIATION, signalName: 'requested' },
      { kind: TRANSFER, signalName: 'requested' },
    ])('20 concurrent $signalName signals to one $kind.name: one 200, nineteen 409, one event', async ({ kind, signalName }) => {
      const hook = `/race/${kind.name}/same`;
      const id = await create(kind, hook);
      const answers = await Promise.all(Array.from({ length: 20 }, () => signal(kind, id, signalName)));
      expect(answers.map((r) => r.status).sort()).toEqual([200, ...Array<number>(19).fill(409)]);
      expect(await stateOf(kind, id)).toEqual({
        '@context': EDC_RESPONSE_CONTEXT,
        '@type': kind.stateType,
        state: signalName.toUpperCase(),
      });
      await stack.receiver.waitFor(() => eventsOf(hook).length >= 2);
      await sleep(300);
      const calls = [...eventsOf(hook)].sort((a, b) => sequenceOf(a) - sequenceOf(b));
      expect(calls.map((c) => [sequenceOf(c), c.json.type])).toEqual([
        [1, kind.machine.eventOf.INITIAL],
        [2, kind.machine.eventOf[signalName.toUpperCase()]],
      ]);
    });

    it.each([
      { kind: NEGOTIATION, signals: ['requested', 'offered', 'terminated', 'agreed', 'requested', 'offered', 'accepted', 'terminated'] },
      {
        kind: TRANSFER,
        signals: ['provisioned', 'requested', 'terminated', 'started', 'requested', 'provisioned', 'deprovisioned', 'terminated'],
      },
    ])(
      'concurrent different signals to one $kind.name: each 200 emits one event, each 409 none, in a legal order',
      async ({ kind, signals }) => {
        const hook = `/race/${kind.name}/mixed`;
        const id = await create(kind, hook);
        const answers = await Promise.all(signals.map((s) => signal(kind, id, s)));
        expect(answers.every((r) => r.status === 200 || r.status === 409)).toBe(true);
        const accepted = answers.filter((r) => r.status === 200).map((r) => r.body.state as string);
        expect(accepted.length).toBeGreaterThan(0);

        await stack.receiver.waitFor(() => eventsOf(hook).length >= accepted.length + 1);
        await sleep(300);
        const calls = [...eventsOf(hook)].sort((a, b) => sequenceOf(a) - sequenceOf(b));
        expect(calls.map(sequenceOf)).toEqual(Array.from({ length: accepted.length + 1 }, (_, i) => i + 1));
        // The events, in sequence order, replay a legal path, and name the states the 200s reported.
        const stateOfEvent = (type: string) => Object.entries(kind.machine.eventOf).find(([, t]) => t === type)![0];
        const states = calls.map((c) => stateOfEvent(c.json.type));
        expect(states[0]).toBe('INITIAL');
        for (let i = 1; i < states.length; i++)
          expect({ from: states[i - 1], to: states[i], legal: allowed(kind, states[i - 1], states[i].toLowerCase()) }).toEqual({
            from: states[i - 1],
            to: states[i],
            legal: true,
          });
        expect(states.slice(1).sort()).toEqual([...accepted].sort());
        expect(await stateOf(kind, id)).toEqual({
          '@context': EDC_RESPONSE_CONTEXT,
          '@type': kind.stateType,
          state: states[states.length - 1],
        });
      },
    );
  });

  describe('requests that name no transition', () => {
    let negotiationId: string;
    let transferId: string;

    beforeAll(async () => {
      [negotiationId, transferId] = await Promise.all([create(NEGOTIATION, '/misc/negotiation'), create(TRANSFER, '/misc/transfer')]);
    });

    it.each([
      ['negotiation', 'bogus'],
      ['negotiation', 'started'],
      ['negotiation', 'REQUESTED'],
      ['negotiation', 'initial'],
      ['transfer', 'bogus'],
      ['transfer', 'agreed'],
      ['transfer', 'initial'],
    ])('an unknown %s signal "%s" answers 400 and changes nothing', async (name, unknown) => {
      const kind = name === 'negotiation' ? NEGOTIATION : TRANSFER;
      const id = name === 'negotiation' ? negotiationId : transferId;
      const res = await post(`/signaling/v1/${kind.resource}/${id}/${unknown}`, {}).expect(400);
      expect(res.body).toEqual([
        expect.objectContaining({ type: expect.stringMatching(/^(InvalidRequest|ValidationFailure)$/), message: expect.any(String) }),
      ]);
      expect(await stateOf(kind, id)).toEqual({ '@context': EDC_RESPONSE_CONTEXT, '@type': kind.stateType, state: 'INITIAL' });
    });

    it.each([
      { kind: NEGOTIATION, signalName: 'requested' },
      { kind: NEGOTIATION, signalName: 'terminated' },
      { kind: TRANSFER, signalName: 'requested' },
      { kind: TRANSFER, signalName: 'terminated' },
    ])('a $signalName signal for an unknown $kind.name id answers 404 ObjectNotFound', async ({ kind, signalName }) => {
      const res = await post(`/signaling/v1/${kind.resource}/no-such-id/${signalName}`, {}).expect(404);
      expect(res.body).toEqual([{ message: expect.any(String), type: 'ObjectNotFound', path: null, invalidValue: null }]);
    });

    it('the unknown signals emitted nothing', async () => {
      await settle();
      await sleep(300);
      expect(eventsOf('/misc/negotiation').map((c) => c.json.type)).toEqual(['ContractNegotiationInitiated']);
      expect(eventsOf('/misc/transfer').map((c) => c.json.type)).toEqual(['TransferProcessInitiated']);
    });
  });
});
