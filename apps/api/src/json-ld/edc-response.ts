import { CallbackAddress } from '@app/events';
import { EDC_CONTEXT } from './namespaces';

/**
 * A response body as EDC compacts it: its terms are EDC's (plain keys under `@vocab`), and the
 * context that says so comes with it, so a client that expands the response as JSON-LD reads
 * the same IRIs EDC's would. The bodies are built in compact form directly (what compacting
 * them would give); only policies, whose ODRL terms take prefixes, go through the processor.
 */
export function withContext<T extends object>(body: T): T & { '@context': typeof EDC_CONTEXT } {
  // Assigned, not `{ ...body, '@context': ... }`: a spread followed by a new key is V8's slow
  // path (see newEntity). Every body here is the service's own, never a client's object.
  return Object.assign({}, body, { '@context': EDC_CONTEXT });
}

/**
 * EDC's `JsonObjectFromCallbackAddressTransformer`: typed, and `authKey`/`authCodeId` only when
 * set; this service's `ordered`/`onFailure` (which EDC has not) also only when set.
 */
export function callbackAddressResponse(address: CallbackAddress) {
  return {
    '@type': 'CallbackAddress',
    transactional: address.transactional,
    uri: address.uri,
    events: address.events,
    ...(address.authKey !== undefined ? { authKey: address.authKey } : {}),
    ...(address.authCodeId !== undefined ? { authCodeId: address.authCodeId } : {}),
    ...(address.ordered ? { ordered: true } : {}),
    ...(address.onFailure !== undefined ? { onFailure: address.onFailure } : {}),
  };
}

/** `IdResponse`, EDC's answer to a create. */
export function idResponse(id: string, createdAt: number) {
  return withContext({ '@type': 'IdResponse', '@id': id, createdAt });
}
