import dspace from './contexts/dspace.json';
import dspace2025 from './contexts/dspace-v2025-1.json';
import dspace2025Odrl from './contexts/dspace-v2025-1-odrl.json';
import dspaceEdc from './contexts/dspace-edc-context-v1.json';
import managementV1 from './contexts/management-context-v1.json';
import managementV2 from './contexts/management-context-v2.json';
import odrl from './contexts/odrl.json';
import catenaxPolicy2025 from './contexts/catenax-2025-9-policy-context.json';
import catenaxOdrl2025 from './contexts/catenax-2025-9-policy-odrl.json';
import credentialsV1 from './contexts/credentials-v1.json';
import credentialsV2 from './contexts/credentials-v2.json';
import dcp from './contexts/dcp-v1.0.json';
import tractusxCxPolicy from './contexts/tractusx-cx-policy-v1.json';
import tractusxEdc from './contexts/tractusx-edc-v1.json';
import tractusxTx from './contexts/tractusx-tx-v1.json';
import tractusxTxAuth from './contexts/tractusx-tx-auth-v1.json';

/**
 * The remote contexts a request may name, served from files in the repo (contexts/README.md
 * says where each comes from). Nothing else is ever fetched: a request that names another URL
 * is refused, so a body cannot make the api call out (SSRF) or wait on a slow server.
 */
export const CONTEXT_DOCUMENTS: ReadonlyMap<string, object> = new Map<string, object>([
  ['http://www.w3.org/ns/odrl.jsonld', odrl],
  ['https://w3id.org/edc/connector/management/v0.0.1', managementV1],
  ['https://w3id.org/edc/connector/management/v2', managementV2],
  ['https://w3id.org/dspace/2024/1/context.json', dspace],
  ['https://w3id.org/dspace/2025/1/context.jsonld', dspace2025],
  ['https://w3id.org/dspace/2025/1/odrl-profile.jsonld', dspace2025Odrl],
  ['https://w3id.org/edc/dspace/v0.0.1', dspaceEdc],
  // EDC's Decentralized Claims Protocol and the W3C credentials contexts it ships with it.
  ['https://w3id.org/dspace-dcp/v1.0/dcp.jsonld', dcp],
  ['https://www.w3.org/2018/credentials/v1', credentialsV1],
  ['https://www.w3.org/2018/credentials/v2', credentialsV2],
  // Tractus-X EDC and the Catena-X policy contexts its releases register.
  ['https://w3id.org/tractusx/edc/v0.0.1', tractusxTx],
  ['https://w3id.org/tractusx/policy/v1.0.0', tractusxCxPolicy],
  ['https://w3id.org/tractusx/auth/v1.0.0', tractusxTxAuth],
  ['https://w3id.org/edc/v0.0.1', tractusxEdc],
  ['https://w3id.org/catenax/2025/9/policy/context.jsonld', catenaxPolicy2025],
  ['https://w3id.org/catenax/2025/9/policy/odrl.jsonld', catenaxOdrl2025],
]);

/** Contexts ops added from files (`EDC_JSONLD_DOCUMENT_<ALIAS>_URL` / `_PATH`); a shipped URL is never replaced. */
const addedDocuments = new Map<string, object>();

/** Serves `documents` besides the shipped contexts, from now on (the api calls it once, at start). */
export function addContextDocuments(documents: readonly { url: string; document: object }[]): void {
  for (const { url, document } of documents) if (!CONTEXT_DOCUMENTS.has(url)) addedDocuments.set(url, document);
}

/** The document served for `url`, shipped or added; undefined for any other URL. */
export function servedContextDocument(url: string): object | undefined {
  return CONTEXT_DOCUMENTS.get(url) ?? addedDocuments.get(url);
}

/** A remote context this service does not serve; the request is refused naming it. */
export class UnknownRemoteContext extends Error {
  constructor(readonly url: string) {
    super(`unknown remote context ${url}`);
  }
}

/** jsonld's document loader: the files above, and a refusal for any other URL. */
export async function servedContextLoader(url: string): Promise<{ documentUrl: string; document: object }> {
  const document = servedContextDocument(url);
  if (!document) throw new UnknownRemoteContext(url);
  return { documentUrl: url, document };
}
