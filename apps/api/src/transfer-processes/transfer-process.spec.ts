import { canTransition } from '../lifecycle/state-machine';
import { TRANSFER_MACHINE, TRANSFER_STATE_CODES, TransferState } from './transfer-process';

/**
 * EDC's consumer-side transfer process, written out here from EDC (and docs/state-machines.md)
 * rather than read from the machine: for each state, where a signal or command may take it.
 * The -ING states are EDC's internal steps; nothing moves into or out of them here.
 */
const EDC_MOVES: Record<TransferState, TransferState[]> = {
  INITIAL: ['PROVISIONED', 'REQUESTED', 'TERMINATED'],
  PROVISIONING: [],
  PROVISIONED: ['REQUESTED', 'TERMINATED'],
  REQUESTING: [],
  REQUESTED: ['STARTED', 'TERMINATED'],
  STARTING: [],
  STARTED: ['SUSPENDED', 'COMPLETED', 'TERMINATED'],
  SUSPENDING: [],
  SUSPENDED: ['STARTED', 'RESUMED', 'TERMINATED'],
  RESUMING: [],
  RESUMED: ['STARTED', 'TERMINATED'],
  COMPLETING: [],
  COMPLETED: ['DEPROVISIONED'],
  TERMINATING: [],
  TERMINATED: ['DEPROVISIONED'],
  DEPROVISIONING: [],
  DEPROVISIONED: [],
};

const STATES = Object.keys(TRANSFER_STATE_CODES) as TransferState[];
const LEGAL = STATES.flatMap((from) => EDC_MOVES[from].map((to) => [from, to] as const));

describe('transfer process state machine', () => {
  it("uses EDC's state names and codes", () => {
    expect(TRANSFER_STATE_CODES).toEqual({
      INITIAL: 100,
      PROVISIONING: 200,
      PROVISIONED: 300,
      REQUESTING: 400,
      REQUESTED: 500,
      STARTING: 550,
      STARTED: 600,
      SUSPENDING: 650,
      SUSPENDED: 700,
      RESUMING: 720,
      RESUMED: 725,
      COMPLETING: 750,
      COMPLETED: 800,
      TERMINATING: 825,
      TERMINATED: 850,
      DEPROVISIONING: 900,
      DEPROVISIONED: 1000,
    });
    expect(TRANSFER_MACHINE.codes).toBe(TRANSFER_STATE_CODES);
  });

  it.each(LEGAL)('lets a transfer move from %s to %s', (from, to) => {
    expect(canTransition(TRANSFER_MACHINE, from, to)).toBe(true);
  });

  it.each(STATES)('lets a %s transfer move nowhere else (409 for every other target)', (from) => {
    const allowed = STATES.filter((to) => canTransition(TRANSFER_MACHINE, from, to));
    expect(allowed).toEqual(EDC_MOVES[from]);
  });

  it('lets COMPLETED and TERMINATED only be deprovisioned, and DEPROVISIONED go nowhere', () => {
    for (const to of STATES) {
      expect(canTransition(TRANSFER_MACHINE, 'COMPLETED', to)).toBe(to === 'DEPROVISIONED');
      expect(canTransition(TRANSFER_MACHINE, 'TERMINATED', to)).toBe(to === 'DEPROVISIONED');
      expect(canTransition(TRANSFER_MACHINE, 'DEPROVISIONED', to)).toBe(false);
    }
  });

  it('refuses to complete a transfer that has not started, or is suspended', () => {
    for (const from of ['INITIAL', 'PROVISIONED', 'REQUESTED', 'SUSPENDED', 'RESUMED'] as TransferState[])
      expect(canTransition(TRANSFER_MACHINE, from, 'COMPLETED')).toBe(false);
  });

  it('suspends only a started transfer and resumes only a suspended one', () => {
    expect(STATES.filter((from) => canTransition(TRANSFER_MACHINE, from, 'SUSPENDED'))).toEqual(['STARTED']);
    expect(STATES.filter((from) => canTransition(TRANSFER_MACHINE, from, 'RESUMED'))).toEqual(['SUSPENDED']);
  });

  it('refuses to deprovision a transfer that is still running', () => {
    for (const from of ['INITIAL', 'PROVISIONED', 'REQUESTED', 'STARTED', 'SUSPENDED', 'RESUMED'] as TransferState[])
      expect(canTransition(TRANSFER_MACHINE, from, 'DEPROVISIONED')).toBe(false);
  });

  it('never goes back to INITIAL', () => {
    for (const from of STATES) expect(canTransition(TRANSFER_MACHINE, from, 'INITIAL')).toBe(false);
  });

  it('announces every state a transfer can be in with its own event', () => {
    const resting = STATES.filter((s) => s === 'INITIAL' || EDC_MOVES[s].length > 0 || STATES.some((f) => EDC_MOVES[f].includes(s)));
    expect(Object.keys(TRANSFER_MACHINE.eventOf).sort()).toEqual([...resting].sort());
    expect(new Set(Object.values(TRANSFER_MACHINE.eventOf)).size).toBe(resting.length);
  });

  it('has the simulated counterparty take only legal steps, INITIAL to COMPLETED', () => {
    const path: TransferState[] = ['INITIAL'];
    for (let s = TRANSFER_MACHINE.simulatedNext.INITIAL; s; s = TRANSFER_MACHINE.simulatedNext[s]) {
      expect(canTransition(TRANSFER_MACHINE, path[path.length - 1], s)).toBe(true);
      path.push(s);
    }
    expect(path).toEqual(['INITIAL', 'REQUESTED', 'STARTED', 'COMPLETED']);
  });

  it('has the simulated counterparty start a resumed transfer again', () => {
    expect(TRANSFER_MACHINE.simulatedNext.RESUMED).toBe('STARTED');
    expect(canTransition(TRANSFER_MACHINE, 'RESUMED', 'STARTED')).toBe(true);
  });
});
