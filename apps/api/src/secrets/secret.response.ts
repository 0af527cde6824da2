import { withContext } from '../json-ld/edc-response';

/**
 * A secret as the Management API shows it: its id only, never its value. This differs from EDC
 * on purpose (EDC's `GET /v3/secrets/{id}` returns `value`): a value read back is a value that
 * can leak through logs, proxies and screenshots; it is only ever written (docs/architecture.md).
 */
export function toSecretResponse(id: string) {
  return withContext({ '@type': 'Secret', '@id': id });
}
