import dspace from './contexts/dspace.json';
import dspace2025 from './contexts/dspace-v2025-1.json';
import dspace2025Odrl from './contexts/dspace-v2025-1-odrl.json';
import dspaceEdc from './contexts/dspace-edc-context-v1.json';
import managementV1 from './contexts/management-context-v1.json';
import managementV2 from './contexts/management-context-v2.json';
import odrl from './contexts/odrl.json';

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
]);

/** A remote context this service does not serve; the request is refused naming it. */
export class UnknownRemoteContext extends Error {
  constructor(readonly url: string) {
    super(`unknown remote context ${url}`);
  }
}

/** jsonld's document loader: the files above, and a refusal for any other URL. */
export async function servedContextLoader(url: string): Promise<{ documentUrl: string; document: object }> {
  const document = CONTEXT_DOCUMENTS.get(url);
  if (!document) throw new UnknownRemoteContext(url);
  return { documentUrl: url, document };
}
