import { NEGOTIATION_MACHINE } from '../contract-negotiations/contract-negotiation';
import { TRANSFER_MACHINE } from '../transfer-processes/transfer-process';
import { canTransition, signalsOf, StateMachine } from './state-machine';

type Light = 'RED' | 'GREEN' | 'AMBER' | 'OFF';

// A machine of its own, so that these tests say what canTransition does whatever EDC's tables are.
const LIGHT: StateMachine<Light> = {
  kind: 'transferprocess',
  label: 'Light',
  codes: { RED: 1, GREEN: 2, AMBER: 3, OFF: 4 },
  transitions: { GREEN: ['RED'], AMBER: ['GREEN'], RED: ['AMBER'] },
  eventOf: {},
  simulatedNext: {},
};

describe('canTransition', () => {
  it('allows a move the machine lists for the target state', () => {
    expect(canTransition(LIGHT, 'RED', 'GREEN')).toBe(true);
    expect(canTransition(LIGHT, 'AMBER', 'RED')).toBe(true);
  });

  it('refuses the same move backwards', () => {
    expect(canTransition(LIGHT, 'GREEN', 'RED')).toBe(false);
  });

  it('refuses a move to a state nothing leads to', () => {
    for (const from of ['RED', 'GREEN', 'AMBER', 'OFF'] as Light[]) expect(canTransition(LIGHT, from, 'OFF')).toBe(false);
  });

  it('refuses staying in the same state unless the machine lists it', () => {
    expect(canTransition(LIGHT, 'RED', 'RED')).toBe(false);
    expect(canTransition({ ...LIGHT, transitions: { RED: ['RED'] } }, 'RED', 'RED')).toBe(true);
  });
});

describe('signalsOf', () => {
  it('names every state a transition reaches, in lower case, and no other', () => {
    expect(signalsOf(LIGHT)).toEqual(['green', 'amber', 'red']);
  });

  it("gives EDC's machines the signals the signaling API has always taken", () => {
    expect(signalsOf(NEGOTIATION_MACHINE)).toEqual(['requested', 'offered', 'accepted', 'agreed', 'verified', 'finalized', 'terminated']);
    expect(signalsOf(TRANSFER_MACHINE)).toEqual([
      'provisioned',
      'requested',
      'started',
      'suspended',
      'resumed',
      'completed',
      'terminated',
      'deprovisioned',
    ]);
  });
});
