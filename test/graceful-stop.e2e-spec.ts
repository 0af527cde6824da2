import { dropKeys, testConfig, testEnv } from './support/harness';
import { spawnApp } from './support/processes';

describe('SIGTERM', () => {
  const env = testEnv({ COUNTERPARTY_MODE: 'manual', API_PORT: '0', DISPATCHER_PORT: '0' });

  afterAll(() => dropKeys(testConfig(env as Record<string, string>)));

  it.each(['api', 'dispatcher'] as const)('stops the %s cleanly with exit code 0', async (app) => {
    const running = await spawnApp(app, env);
    running.child.kill('SIGTERM');
    const code = await running.exited;
    if (code !== 0) throw new Error(`exit ${code}; output:\n${running.output()}`);
    expect(running.output()).toContain('SIGTERM received');
  });
});
