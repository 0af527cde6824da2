import { canTransition } from '../lifecycle/state-machine';
import { NEGOTIATION_MACHINE, NEGOTIATION_STATE_CODES, NegotiationState } from './contract-negotiation';

/**
 * EDC's consumer-side contract negotiation, written out here from EDC (and docs/state-machines.md)
 * rather than read from the machine: for each state, where a signal or command may take it.
 * The -ING states are EDC's internal steps; nothing moves into or out of them here.
 */
const EDC_MOVES: Record<NegotiationState, NegotiationState[]> = {
  INITIAL: ['REQUESTED', 'OFFERED', 'TERMINATED'],
  REQUESTING: [],
  REQUESTED: ['OFFERED', 'AGREED', 'TERMINATED'],
  OFFERING: [],
  OFFERED: ['ACCEPTED', 'TERMINATED'],
  ACCEPTING: [],
  ACCEPTED: ['AGREED', 'TERMINATED'],
  AGREEING: [],
  AGREED: ['VERIFIED', 'TERMINATED'],
  VERIFYING: [],
  VERIFIED: ['FINALIZED', 'TERMINATED'],
  FINALIZING: [],
  FINALIZED: [],
  TERMINATING: [],
  TERMINATED: [],
};

const STATES = Object.keys(NEGOTIATION_STATE_CODES) as NegotiationState[];
const LEGAL = STATES.flatMap((from) => EDC_MOVES[from].map((to) => [from, to] as const));

describe('contract negotiation state machine', () => {
  it("uses EDC's state names and codes", () => {
    expect(NEGOTIATION_STATE_CODES).toEqual({
      INITIAL: 50,
      REQUESTING: 100,
      REQUESTED: 200,
      OFFERING: 300,
      OFFERED: 400,
      ACCEPTING: 700,
      ACCEPTED: 800,
      AGREEING: 825,
      AGREED: 850,
      VERIFYING: 1050,
      VERIFIED: 1100,
      FINALIZING: 1150,
      FINALIZED: 1200,
      TERMINATING: 1300,
      TERMINATED: 1400,
    });
    expect(NEGOTIATION_MACHINE.codes).toBe(NEGOTIATION_STATE_CODES);
  });

  it.each(LEGAL)('lets a negotiation move from %s to %s', (from, to) => {
    expect(canTransition(NEGOTIATION_MACHINE, from, to)).toBe(true);
  });

  it.each(STATES)('lets a %s negotiation move nowhere else (409 for every other target)', (from) => {
    const allowed = STATES.filter((to) => canTransition(NEGOTIATION_MACHINE, from, to));
    expect(allowed).toEqual(EDC_MOVES[from]);
  });

  it('keeps FINALIZED and TERMINATED final', () => {
    for (const to of STATES) {
      expect(canTransition(NEGOTIATION_MACHINE, 'FINALIZED', to)).toBe(false);
      expect(canTransition(NEGOTIATION_MACHINE, 'TERMINATED', to)).toBe(false);
    }
  });

  it('lets every state that is not final be terminated', () => {
    for (const from of ['INITIAL', 'REQUESTED', 'OFFERED', 'ACCEPTED', 'AGREED', 'VERIFIED'] as NegotiationState[])
      expect(canTransition(NEGOTIATION_MACHINE, from, 'TERMINATED')).toBe(true);
  });

  it('never goes back to INITIAL', () => {
    for (const from of STATES) expect(canTransition(NEGOTIATION_MACHINE, from, 'INITIAL')).toBe(false);
  });

  it('announces every state a negotiation can be in with its own event', () => {
    const resting = STATES.filter((s) => s === 'INITIAL' || EDC_MOVES[s].length > 0 || STATES.some((f) => EDC_MOVES[f].includes(s)));
    expect(Object.keys(NEGOTIATION_MACHINE.eventOf).sort()).toEqual([...resting].sort());
    expect(new Set(Object.values(NEGOTIATION_MACHINE.eventOf)).size).toBe(resting.length);
  });

  it('has the simulated counterparty take only legal steps, INITIAL to FINALIZED', () => {
    const path: NegotiationState[] = ['INITIAL'];
    for (let s = NEGOTIATION_MACHINE.simulatedNext.INITIAL; s; s = NEGOTIATION_MACHINE.simulatedNext[s]) {
      expect(canTransition(NEGOTIATION_MACHINE, path[path.length - 1], s)).toBe(true);
      path.push(s);
    }
    expect(path).toEqual(['INITIAL', 'REQUESTED', 'AGREED', 'VERIFIED', 'FINALIZED']);
  });
});
