import { canTransition, StateMachine } from './state-machine';

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
