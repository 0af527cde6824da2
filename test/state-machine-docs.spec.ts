import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_FILTER_NAMES } from '@app/events';
import { NEGOTIATION_MACHINE } from '../apps/api/src/contract-negotiations/contract-negotiation';
import { StateMachine } from '../apps/api/src/lifecycle/state-machine';
import { TRANSFER_MACHINE } from '../apps/api/src/transfer-processes/transfer-process';

// docs/state-machines.md is what users read; this keeps its tables equal to the machines.
const doc = readFileSync(path.join(__dirname, '../docs/state-machines.md'), 'utf8');

function documentedRows(heading: string): string[][] {
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading))!;
  return section
    .split('\n')
    .filter((line) => /^\| [A-Z]+ \| \d+ \|/.test(line))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

function expectedRows<S extends string>(machine: StateMachine<S>): string[][] {
  return (Object.entries(machine.codes) as [S, number][])
    .filter(([state]) => machine.transitions[state] || machine.eventOf[state])
    .map(([state, code]) => {
      const event = machine.eventOf[state]!;
      return [
        state,
        String(code),
        machine.transitions[state]?.join(', ') ?? '(created)',
        `\`${event}\` (\`${EVENT_FILTER_NAMES[event]}\`)`,
      ];
    });
}

describe('docs/state-machines.md', () => {
  it.each([
    ['Contract negotiation', NEGOTIATION_MACHINE as StateMachine<string>],
    ['Transfer process', TRANSFER_MACHINE as StateMachine<string>],
  ])('documents the %s machine as the code has it', (heading, machine) => {
    expect(documentedRows(heading)).toEqual(expectedRows(machine));
  });
});
