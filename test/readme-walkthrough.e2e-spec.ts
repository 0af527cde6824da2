import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { INestApplication } from '@nestjs/common';
import { freePort } from './support/dedicated-redis';
import { Receiver } from './support/receiver';
import { dropKeys, startApi, startDispatcher, testConfig } from './support/harness';
import { AppConfig } from '@app/platform';

const ROOT = resolve(__dirname, '..');

/** The README's ```bash block that contains `marker`, as a user pastes it, minus its comment lines and the `npm start` it asks for in another terminal. */
function readmeBlock(marker: string): string {
  const blocks = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
  const block = blocks.find((b) => b.includes(marker));
  if (!block) throw new Error(`the README has no bash block with ${marker}`);
  return block
    .split('\n')
    .filter((line) => !line.startsWith('#') && !/npm start$/.test(line))
    .join('\n');
}

/**
 * The README's manual-mode signaling example, pasted into bash as written, against an api on a
 * non-default API_PORT (the example's `localhost:8181` becomes that port, as for a user who set
 * it): it answered 409 when it reused the transfer the simulated provider had completed (issue
 * 21, item 5). On that port, the inbound callback URLs handed out name the port too.
 */
describe('README: the signaling example, on a non-default API_PORT', () => {
  let receiver: Receiver;
  let api: INestApplication;
  let dispatcher: INestApplication;
  let config: AppConfig;
  let port: number;

  beforeAll(async () => {
    receiver = await Receiver.start();
    port = await freePort();
    config = testConfig({ API_PORT: String(port), MANAGEMENT_API_KEY: 'demo-key', COUNTERPARTY_MODE: 'manual' });
    api = await startApi(config);
    await api.listen(port, '127.0.0.1');
    dispatcher = await startDispatcher(config);
  });

  afterAll(async () => {
    await api?.close();
    await dispatcher?.close();
    await receiver?.close();
    if (config) await dropKeys(config);
  });

  it('moves a new transfer to STARTED with the signals as pasted, one callback per signal', async () => {
    const script = readmeBlock('/signaling/v1/transferprocesses/$TP/started')
      .replaceAll('localhost:8181', `localhost:${port}`)
      .replaceAll('http://127.0.0.1:4000', receiver.url);
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
      env: { ...process.env, AGREEMENT: 'contract-1' }, // the harness's seeded agreement
    });
    expect(stdout).toContain('"state":"STARTED"');
    await receiver.waitFor((calls) => calls.some((c) => c.json?.type === 'TransferProcessStarted'));
    expect(receiver.calls.map((c) => c.json?.type)).toEqual([
      'TransferProcessInitiated',
      'TransferProcessRequested',
      'TransferProcessStarted',
    ]);
  });

  it('hands out inbound callback URLs on that port when PUBLIC_BASE_URL is unset', async () => {
    const res = await fetch(`http://localhost:${port}/management/v1/callbacks`, {
      method: 'POST',
      headers: { 'x-api-key': 'demo-key', 'content-type': 'application/json' },
      body: JSON.stringify({ responseBody: 'thanks' }),
    });
    expect(res.status).toBe(201);
    const { callbackUrl } = (await res.json()) as { callbackUrl: string };
    expect(callbackUrl).toMatch(new RegExp(`^http://localhost:${port}/cb/`));
    expect((await fetch(callbackUrl, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(200);
  });
});
