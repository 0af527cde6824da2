import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { INestApplication } from '@nestjs/common';
import { ConfigError, loadConfig } from '@app/platform';
import { CONTEXT_DOCUMENTS } from '../apps/api/src/json-ld/context-documents';
import { readJsonLd } from '../apps/api/src/json-ld/read-json-ld';
import { apiClient, dropKeys, startApi, testConfig, testEnv } from './support/harness';

// The contexts dataspaces use are served from the repo (apps/api/src/json-ld/contexts/README.md),
// and ops add more from files with EDC's keys; any other remote context stays refused.

const EDC = 'https://w3id.org/edc/v0.0.1/ns/';
const CX_POLICY_2025_9 = 'https://w3id.org/catenax/2025/9/policy/context.jsonld';

const offer = {
  '@type': 'Offer',
  '@id': 'offer-1',
  assigner: 'BPNL000000000001',
  target: 'asset-1',
  permission: [
    {
      action: 'use',
      constraint: { and: [{ leftOperand: 'FrameworkAgreement', operator: 'eq', rightOperand: 'DataExchangeGovernance:1.0' }] },
    },
  ],
};

const catenaXRequest = (contexts: unknown[]) => ({
  '@context': [...contexts, { '@vocab': EDC }],
  '@type': 'ContractRequest',
  counterPartyAddress: 'https://provider.example/api/v1/dsp/2025-1',
  protocol: 'dataspace-protocol-http:2025-1',
  policy: offer,
});

describe('the JSON-LD contexts the api serves', () => {
  it.each([...CONTEXT_DOCUMENTS.keys()].map((url) => [url]))('reads a body whose @context names %s', async (url) => {
    const read = await readJsonLd({ '@context': [url, { '@vocab': EDC }], '@type': 'QuerySpec', limit: 5 });
    expect(read.limit).toBe(5);
  });

  it('reads the Catena-X 2025/9 terms of a Tractus-X negotiation as their Catena-X IRIs', async () => {
    const read = await readJsonLd(catenaXRequest(['https://w3id.org/dspace/2025/1/odrl-profile.jsonld', CX_POLICY_2025_9]));
    const policy = read.policy as { permission: { constraint: { and: { leftOperand: string }[] }[] }[] };
    expect(JSON.stringify(policy)).toContain('https://w3id.org/catenax/2025/9/policy/FrameworkAgreement');
  });

  describe('with a context ops added (EDC_JSONLD_DOCUMENT_<ALIAS>_URL / _PATH)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jsonld-documents-'));
    const file = path.join(dir, 'acme.jsonld');
    writeFileSync(file, JSON.stringify({ '@context': { acme: 'https://acme.example/ns/', Purpose: 'acme:Purpose' } }));
    const env = {
      EDC_JSONLD_DOCUMENT_ACME_URL: 'https://acme.example/context.jsonld',
      EDC_JSONLD_DOCUMENT_ACME_PATH: file,
      COUNTERPARTY_MODE: 'manual',
    };
    const config = testConfig(env);
    let app: INestApplication;
    const { post, get } = apiClient(() => app);

    beforeAll(async () => {
      app = await startApi(config);
    });
    afterAll(async () => {
      await app?.close();
      await dropKeys(config);
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves it: a negotiation naming it is created, and its terms read as its IRIs', async () => {
      const body = catenaXRequest(['http://www.w3.org/ns/odrl.jsonld', 'https://acme.example/context.jsonld']);
      (body.policy as Record<string, unknown>)['@type'] = 'odrl:Offer';
      const created = await post('/management/v3/contractnegotiations', body).expect(200);
      await get(`/management/v3/contractnegotiations/${created.body['@id']}`).expect(200);
      const read = await readJsonLd({ '@context': ['https://acme.example/context.jsonld', { '@vocab': EDC }], Purpose: 'research' });
      expect(read['https://acme.example/ns/Purpose']).toBe('research');
    });

    it('still refuses a context nobody added, naming it', async () => {
      const res = await post('/management/v3/contractnegotiations', catenaXRequest(['https://other.example/context.jsonld'])).expect(400);
      expect(res.body[0].message).toContain('https://other.example/context.jsonld');
    });

    it('stops the start, naming the variable, when half of a pair, a bad URL or an unreadable file is given', () => {
      const problemsOf = (extra: Record<string, string>) => {
        try {
          loadConfig(testEnv(extra));
        } catch (err) {
          if (err instanceof ConfigError) return err.message;
          throw err;
        }
        return '';
      };
      expect(problemsOf({ EDC_JSONLD_DOCUMENT_X_URL: 'https://x.example/c' })).toContain('EDC_JSONLD_DOCUMENT_X_PATH');
      expect(problemsOf({ EDC_JSONLD_DOCUMENT_X_URL: 'not a url', EDC_JSONLD_DOCUMENT_X_PATH: file })).toContain(
        'EDC_JSONLD_DOCUMENT_X_URL',
      );
      expect(
        problemsOf({ EDC_JSONLD_DOCUMENT_X_URL: 'https://x.example/c', EDC_JSONLD_DOCUMENT_X_PATH: path.join(dir, 'none') }),
      ).toContain('EDC_JSONLD_DOCUMENT_X_PATH');
      // EDC's own property spelling reads the same.
      expect(
        loadConfig(testEnv({ 'edc.jsonld.document.acme.url': 'https://acme.example/c', 'edc.jsonld.document.acme.path': file }))
          .jsonLdDocuments,
      ).toEqual([expect.objectContaining({ alias: 'ACME', url: 'https://acme.example/c', path: file })]);
    });
  });
});
