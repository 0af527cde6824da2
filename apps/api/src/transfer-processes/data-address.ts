import { EDC_NS } from '../json-ld/namespaces';

/**
 * EDC's `DataAddress` as Jackson writes it: every property in `properties` under its full key
 * (EDC's terms in its namespace, as EDC's JSON-LD transformer stores them; `type` as
 * `https://w3id.org/edc/v0.0.1/ns/type`), then the getters `type` and `keyName`. A receiver's
 * `DataAddress.Builder` reads it back (`properties` is its one settable field).
 */
export interface EdcDataAddress {
  properties: Record<string, unknown>;
  type: string | null;
  keyName: string | null;
}

/** A data address as the service keeps it (read from a request: local names for EDC's terms) in EDC's Jackson form. */
export function toEdcDataAddress(address: Record<string, unknown> | undefined): EdcDataAddress | null {
  if (!address) return null;
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(address)) if (!key.startsWith('@')) properties[key.includes(':') ? key : EDC_NS + key] = value;
  const property = (name: string) => (typeof address[name] === 'string' ? (address[name] as string) : null);
  return { properties, type: property('type'), keyName: property('keyName') };
}

/** A data address in a Management API response: EDC's compacted `DataAddress`, typed. */
export function dataAddressResponse(address: Record<string, unknown>) {
  const { '@type': _type, ...properties } = address;
  return { '@type': 'DataAddress', ...properties };
}
