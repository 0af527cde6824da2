import { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
// The real client, from its own package (test/edc-client; jest's globalSetup installs it).
import {
  EdcConnectorClient,
  EdcConnectorClientError,
  EdcConnectorClientErrorType,
} from './edc-client/node_modules/@think-it-labs/edc-connector-client';
import { API_KEY, dropKeys, startApi, testConfig } from './support/harness';
import { Receiver } from './support/receiver';

// A consumer application drives the service with the TypeScript EDC Management API client, as
// it drives an EDC connector: negotiation, agreement, transfers, queries, secrets and errors,
// the counterparty's side played through the signaling API (manual mode).

const PROVIDER = 'http://provider.example/api/v1/dsp';

const offer = (assetId: string) => ({
  '@context': 'http://www.w3.org/ns/odrl.jsonld',
  '@type': 'Offer',
  '@id': `offer-${assetId}`,
  assigner: 'provider-x',
  target: assetId,
  permission: [{ action: 'use' }],
});

describe('the real EDC client (@think-it-labs/edc-connector-client)', () => {
  const config = testConfig({ COUNTERPARTY_MODE: 'manual' });
  let app: INestApplication;
  let client: EdcConnectorClient;
  let receiver: Receiver;

  beforeAll(async () => {
    app = await startApi(config);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    client = new EdcConnectorClient.Builder()
      .apiToken(API_KEY)
      .managementUrl(`http://127.0.0.1:${port}/management`)
      .protocolVersion('dataspace-protocol-http')
      .build();
    receiver = await Receiver.start();
  });

  afterAll(async () => {
    await app?.close();
    await receiver?.close();
    await dropKeys(config);
  });

  const signal = (kind: 'contractnegotiations' | 'transferprocesses', id: string, to: string, body: object = {}) =>
    request(app.getHttpServer()).post(`/signaling/v1/${kind}/${id}/${to}`).set('x-api-key', API_KEY).send(body).expect(200);

  const errorOf = async (promise: Promise<unknown>): Promise<EdcConnectorClientError> => {
    try {
      await promise;
    } catch (err) {
      if (err instanceof EdcConnectorClientError) return err;
      throw err;
    }
    throw new Error('expected the client to throw');
  };

  /** A negotiation for `assetId`, moved to FINALIZED as a provider would; its id and its agreement's. */
  const finalizedNegotiation = async (assetId: string) => {
    const { id } = await client.management.contractNegotiations.initiate({
      counterPartyAddress: PROVIDER,
      counterPartyId: 'provider-x',
      policy: offer(assetId) as never,
    });
    for (const to of ['requested', 'agreed', 'verified', 'finalized']) await signal('contractnegotiations', id, to);
    const negotiation = await client.management.contractNegotiations.get(id);
    return { negotiationId: id, agreementId: negotiation.contractAgreementId };
  };

  describe('contract negotiations', () => {
    it('initiates, reads, queries and terminates a negotiation', async () => {
      const created = await client.management.contractNegotiations.initiate({
        counterPartyAddress: PROVIDER,
        counterPartyId: 'provider-x',
        policy: offer('asset-n1') as never,
      });
      expect(created.id).toEqual(expect.any(String));
      expect(created.createdAt).toEqual(expect.any(Number));

      const negotiation = await client.management.contractNegotiations.get(created.id);
      expect(negotiation.id).toBe(created.id);
      expect(negotiation.state).toBe('INITIAL');
      expect((await client.management.contractNegotiations.getState(created.id)).state).toBe('INITIAL');

      const found = await client.management.contractNegotiations.queryAll({
        filterExpression: [{ operandLeft: 'id', operator: '=', operandRight: created.id }],
      });
      expect(found.map((n) => n.id)).toEqual([created.id]);

      await client.management.contractNegotiations.terminate(created.id, 'no longer needed');
      expect((await client.management.contractNegotiations.getState(created.id)).state).toBe('TERMINATED');
    });

    it('gives the agreement of a finalized negotiation', async () => {
      const { negotiationId, agreementId } = await finalizedNegotiation('asset-n2');
      const agreement = await client.management.contractNegotiations.getAgreement(negotiationId);
      expect(agreement.id).toBe(agreementId);
      expect(agreement.assetId).toBe('asset-n2');
      expect(agreement.providerId).toBe('provider-x');
      expect(agreement.contractSigningDate).toEqual(expect.any(Number));
    });
  });

  describe('contract agreements', () => {
    let first: { negotiationId: string; agreementId: string };
    let second: { negotiationId: string; agreementId: string };

    beforeAll(async () => {
      first = await finalizedNegotiation('asset-a1');
      second = await finalizedNegotiation('asset-a2');
    });

    it('gets an agreement by id with its policy', async () => {
      const agreement = await client.management.contractAgreements.get(first.agreementId);
      expect(agreement.id).toBe(first.agreementId);
      expect(agreement.assetId).toBe('asset-a1');
      expect(agreement.providerId).toBe('provider-x');
      expect(agreement.consumerId).toEqual(expect.any(String));
      expect(agreement.contractSigningDate).toEqual(expect.any(Number));
      expect(agreement.policy.permissions).toHaveLength(1);
    });

    it('gets the negotiation of an agreement', async () => {
      const negotiation = await client.management.contractAgreements.getNegotiation(second.agreementId);
      expect(negotiation.id).toBe(second.negotiationId);
      expect(negotiation.state).toBe('FINALIZED');
      expect(negotiation.contractAgreementId).toBe(second.agreementId);
    });

    it('queries agreements by asset, provider and signing date', async () => {
      const byAsset = await client.management.contractAgreements.queryAll({
        filterExpression: [{ operandLeft: 'assetId', operator: '=', operandRight: 'asset-a2' }],
      });
      expect(byAsset.map((a) => a.id)).toEqual([second.agreementId]);

      const byProvider = await client.management.contractAgreements.queryAll({
        filterExpression: [{ operandLeft: 'providerId', operator: '=', operandRight: 'provider-x' }],
        sortField: 'contractSigningDate',
        sortOrder: 'DESC',
        limit: 100,
      });
      expect(byProvider.map((a) => a.id)).toEqual(expect.arrayContaining([first.agreementId, second.agreementId]));

      const signedSince = await client.management.contractAgreements.queryAll({
        filterExpression: [
          { operandLeft: 'contractSigningDate', operator: '>=', operandRight: 0 },
          { operandLeft: 'assetId', operator: 'in', operandRight: ['asset-a1', 'nothing'] },
        ],
      });
      expect(signedSince.map((a) => a.id)).toEqual([first.agreementId]);

      const all = await client.management.contractAgreements.queryAll();
      expect(all.map((a) => a.id)).toEqual(expect.arrayContaining([first.agreementId, second.agreementId]));
    });

    it('answers NotFound for an unknown agreement and BadRequest for an unknown field', async () => {
      expect((await errorOf(client.management.contractAgreements.get('no-such-agreement'))).type).toBe(
        EdcConnectorClientErrorType.NotFound,
      );
      expect((await errorOf(client.management.contractAgreements.getNegotiation('no-such-agreement'))).type).toBe(
        EdcConnectorClientErrorType.NotFound,
      );
      const bad = await errorOf(
        client.management.contractAgreements.queryAll({ filterExpression: [{ operandLeft: 'colour', operator: '=', operandRight: 'x' }] }),
      );
      expect(bad.type).toBe(EdcConnectorClientErrorType.BadRequest);
      expect(bad.message).toContain('colour');
    });
  });

  describe('transfer processes', () => {
    it('initiates a transfer under an agreement, follows it through signals and terminates, deprovisions it', async () => {
      const { agreementId } = await finalizedNegotiation('asset-t1');
      const created = await client.management.transferProcesses.initiate({
        counterPartyAddress: PROVIDER,
        counterPartyId: 'provider-x',
        contractId: agreementId,
        transferType: 'HttpData-PULL',
        dataDestination: { type: 'HttpProxy' },
        privateProperties: { purpose: 'test' },
      });
      const transfer = await client.management.transferProcesses.get(created.id);
      expect(transfer.contractId).toBe(agreementId);
      expect(transfer.assetId).toBe('asset-t1');
      expect(transfer.state).toBe('INITIAL');

      await signal('transferprocesses', created.id, 'requested');
      await signal('transferprocesses', created.id, 'started', {
        dataAddress: { type: 'HttpData', endpoint: 'http://provider.example/public' },
      });
      expect((await client.management.transferProcesses.getState(created.id)).state).toBe('STARTED');

      const found = await client.management.transferProcesses.queryAll({
        filterExpression: [{ operandLeft: 'contractId', operator: '=', operandRight: agreementId }],
      });
      expect(found.map((t) => t.id)).toEqual([created.id]);

      await client.management.transferProcesses.terminate(created.id, 'done');
      expect((await client.management.transferProcesses.getState(created.id)).state).toBe('TERMINATED');
      await client.management.transferProcesses.deprovision(created.id);
      expect((await client.management.transferProcesses.getState(created.id)).state).toBe('DEPROVISIONED');
    });

    it('refuses a transfer under an unknown agreement with BadRequest', async () => {
      const err = await errorOf(
        client.management.transferProcesses.initiate({
          counterPartyAddress: PROVIDER,
          counterPartyId: 'provider-x',
          contractId: 'no-such-agreement',
          transferType: 'HttpData-PULL',
        }),
      );
      expect(err.type).toBe(EdcConnectorClientErrorType.BadRequest);
    });
  });

  describe('secrets', () => {
    it('creates, updates and deletes a secret; its value is never read back', async () => {
      const secret = { '@id': 'client-secret-1', value: 'first' } as never;
      // The client hands back the create's body as it came (not expanded, unlike its other creates).
      expect(((await client.management.secrets.create(secret)) as unknown as Record<string, unknown>)['@id']).toBe('client-secret-1');
      expect((await errorOf(client.management.secrets.create(secret))).type).toBe(EdcConnectorClientErrorType.Duplicate);

      const read = await client.management.secrets.get('client-secret-1');
      expect(read.id).toBe('client-secret-1');
      // Write-only on purpose (docs/architecture.md, "Management API conventions").
      expect(read.value).toBeUndefined();

      await client.management.secrets.update({ '@id': 'client-secret-1', value: 'second' } as never);
      await client.management.secrets.delete('client-secret-1');
      expect((await errorOf(client.management.secrets.get('client-secret-1'))).type).toBe(EdcConnectorClientErrorType.NotFound);
    });
  });

  describe('errors', () => {
    it('answers BadRequest listing every problem of a body, NotFound for unknown ids, Duplicate for an illegal change', async () => {
      const bad = await errorOf(
        client.management.contractNegotiations.initiate({ counterPartyAddress: '', counterPartyId: 'x', policy: {} as never }),
      );
      expect(bad.type).toBe(EdcConnectorClientErrorType.BadRequest);
      for (const field of ['counterPartyAddress', 'policy.@id', 'policy.assigner', 'policy.target']) expect(bad.message).toContain(field);

      expect((await errorOf(client.management.contractNegotiations.get('no-such-negotiation'))).type).toBe(
        EdcConnectorClientErrorType.NotFound,
      );
      expect((await errorOf(client.management.transferProcesses.get('no-such-transfer'))).type).toBe(EdcConnectorClientErrorType.NotFound);

      const { negotiationId } = await finalizedNegotiation('asset-e1');
      expect((await errorOf(client.management.contractNegotiations.terminate(negotiationId, 'too late'))).type).toBe(
        EdcConnectorClientErrorType.Duplicate,
      );
    });
  });
});
