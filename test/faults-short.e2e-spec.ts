import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * The short version of the fault harness (test/resilience/fault-harness.ts): 600 events, one
 * dispatcher SIGKILL, a Redis restart, an api SIGKILL, 2 s of Redis out of memory and three
 * drops of every connection, with a flaky receiver. Nothing accepted may be lost, no create
 * falsely refused, no event doubled. Then the same with an ordered endpoint and two dispatcher
 * kills: every transfer's first receipts in sequence. The full run is `npm run test:faults`
 * (`ORDERED=1` for the ordered one).
 */
describe('the fault harness, short run', () => {
  const runHarness = async (env: Record<string, string>): Promise<string> => {
    const root = path.resolve(__dirname, '..');
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'test/resilience/fault-harness.ts'],
      {
        cwd: root,
        env: {
          ...process.env,
          EVENTS: '600',
          KILLS: '1',
          DROPS: '3',
          OOM_MS: '2000',
          FAULTS_FROM_SOURCE: '1',
          DRAIN_TIMEOUT_MS: '120000',
          TS_NODE_PROJECT: 'tsconfig.json',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`harness exited ${code}:\n${output.slice(-12000)}`);
    return output;
  };

  it('loses no accepted event through kills, a Redis restart, Redis out of memory and dropped connections', async () => {
    const output = await runHarness({});
    expect(output).toContain('nothing lost');
    expect(output).toContain('all promises kept');
  }, 240_000);

  it('keeps ordered sequences in order through the same faults, with two dispatcher kills (ORDERED=1)', async () => {
    const output = await runHarness({ ORDERED: '1', KILLS: '2' });
    expect(output).toContain('nothing lost');
    expect(output).toMatch(/out of order or had a gap: 0/);
    expect(output).toContain('all promises kept');
  }, 240_000);
});
