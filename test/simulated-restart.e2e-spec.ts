import { INestApplication } from '@nestjs/common';
import { AppConfig } from '@app/platform';
import { API_KEY, dropKeys, seedAgreementFor, startDispatcher, testConfig, testEnv, transferRequest } from './support/harness';
import { AppProcess, spawnApp, stopApp } from './support/processes';
import { Receiver } from './support/receiver';

const negotiationRequest = (callbackUri: string) => ({
  counterPartyAddress: 'http://provider.example/dsp',
  protocol: 'dataspace-protocol-http',
  policy: { '@id': 'offer-1', '@type': 'odrl:Offer', assigner: 'provider-1', target: 'asset-1' },
  callbackAddresses: [{ uri: callbackUri, events: ['contract.negotiation'] }],
});

describe('simulated mode survives an api killed mid-way', () => {
  let env: NodeJS.ProcessEnv;
  let config: AppConfig;
  let receiver: Receiver;
  let dispatcher: INestApplication;
  let api: AppProcess | undefined;

  beforeAll(async () => {
    // Steps far enough apart that the kill lands between two of them.
    env = testEnv({ COUNTERPARTY_MODE: 'simulated', SIMULATION_STEP_MS: '1500', API_PORT: '0' });
    config = testConfig(env as Record<string, string>);
    receiver = await Receiver.start();
    dispatcher = await startDispatcher(config);
    await seedAgreementFor(config);
  });

  afterAll(async () => {
    await stopApp(api);
    await dispatcher?.close();
    await receiver?.close();
    await dropKeys(config);
  });

  const post = (path: string, body: object) =>
    fetch(`${api!.url}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, string> }));

  const stateOf = (path: string) =>
    fetch(`${api!.url}${path}`, { headers: { 'x-api-key': API_KEY } })
      .then((res) => res.json())
      .then((b) => (b as { state: string }).state);

  it('finishes a negotiation and a transfer although the api was SIGKILLed after their first step', async () => {
    api = await spawnApp('api', env);
    const cn = await post('/management/v3/contractnegotiations', negotiationRequest(`${receiver.url}/cn`));
    const tp = await post(
      '/management/v3/transferprocesses',
      transferRequest({ transferType: 'HttpData-PUSH', callbackAddress: `${receiver.url}/tp` }),
    );
    expect([cn.status, tp.status]).toEqual([200, 200]);

    // Both initiated; the counterparty's first reaction is scheduled but not due yet.
    await receiver.waitFor((calls) => calls.some((c) => c.path === '/cn') && calls.some((c) => c.path === '/tp'));
    api.child.kill('SIGKILL');
    await api.exited;
    expect(receiver.calls.map((c) => c.json?.type)).not.toContain('ContractNegotiationRequested');
    expect(receiver.calls.map((c) => c.json?.type)).not.toContain('TransferProcessRequested');

    api = await spawnApp('api', env);
    await receiver.waitFor(
      (calls) =>
        calls.some((c) => c.json?.type === 'ContractNegotiationFinalized') &&
        calls.some((c) => c.json?.type === 'TransferProcessCompleted'),
      30_000,
    );
    expect(await stateOf(`/management/v3/contractnegotiations/${cn.body['@id']}/state`)).toBe('FINALIZED');
    expect(await stateOf(`/management/v3/transferprocesses/${tp.body['@id']}/state`)).toBe('COMPLETED');

    const types = (path: string) =>
      receiver
        .callsTo(path)
        .sort((a, b) => Number(a.headers['x-event-sequence']) - Number(b.headers['x-event-sequence']))
        .map((c) => c.json.type);
    expect(types('/cn')).toEqual([
      'ContractNegotiationInitiated',
      'ContractNegotiationRequested',
      'ContractNegotiationAgreed',
      'ContractNegotiationVerified',
      'ContractNegotiationFinalized',
    ]);
    expect(types('/tp')).toEqual([
      'TransferProcessInitiated',
      'TransferProcessRequested',
      'TransferProcessStarted',
      'TransferProcessCompleted',
    ]);
  });
});
