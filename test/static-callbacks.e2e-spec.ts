import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Receiver } from './support/receiver';
import { API_KEY, Stack, startStack, transferRequest, waitUntil } from './support/harness';

describe('static callbacks from the environment', () => {
  let stack: Stack;
  let api: INestApplication;
  let receiver: Receiver;

  beforeAll(async () => {
    stack = await startStack((url) => ({
      COUNTERPARTY_MODE: 'simulated',
      EDC_CALLBACK_STARTDONE_URI: `${url}/static/start-done`,
      EDC_CALLBACK_STARTDONE_EVENTS: 'transfer.process.started, transfer.process.completed',
      // EDC's own property spelling is read too.
      'edc.callback.everything.uri': `${url}/static/everything`,
      'edc.callback.everything.events': 'transfer.process',
      EDC_CALLBACK_NEGOTIATIONS_URI: `${url}/static/negotiations`,
      EDC_CALLBACK_NEGOTIATIONS_EVENTS: 'contract.negotiation',
    }));
    ({ api, receiver } = stack);
  });

  afterAll(() => stack?.stop());

  it('receive every event their filters match, of every transfer, and no others', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      // No dynamic callback at all: static ones see every event of the runtime. PUSH, so that
      // the simulated provider completes it.
      const res = await request(api.getHttpServer())
        .post('/management/v3/transferprocesses')
        .set('x-api-key', API_KEY)
        .send(transferRequest({ transferType: 'HttpData-PUSH' }))
        .expect(200);
      ids.push(res.body['@id']);
    }
    await receiver.waitFor((calls) => calls.filter((c) => c.path === '/static/everything').length >= 8);
    await waitUntil(() => receiver.callsTo('/static/start-done').length >= 4, 10_000, 'start-done calls');
    await new Promise((r) => setTimeout(r, 300));

    for (const id of ids) {
      const of = (path: string) =>
        receiver
          .callsTo(path)
          .filter((c) => c.json.payload.transferProcessId === id)
          .sort((a, b) => Number(a.headers['x-event-sequence']) - Number(b.headers['x-event-sequence']))
          .map((c) => c.json.type);
      expect(of('/static/start-done')).toEqual(['TransferProcessStarted', 'TransferProcessCompleted']);
      expect(of('/static/everything')).toEqual([
        'TransferProcessInitiated',
        'TransferProcessRequested',
        'TransferProcessStarted',
        'TransferProcessCompleted',
      ]);
    }
    expect(receiver.callsTo('/static/negotiations')).toHaveLength(0);
  });
});
