/** EDC's vocabulary: plain keys of the Management API are terms of it. */
export const EDC_NS = 'https://w3id.org/edc/v0.0.1/ns/';
export const ODRL_NS = 'http://www.w3.org/ns/odrl/2/';

/**
 * The context EDC compacts Management API responses with (its `JsonLdNamespaces` for the
 * management scope), and the one requests are expanded with before their own: plain keys read
 * as EDC terms, and the `edc:` and `odrl:` prefixes EDC's responses use are known.
 */
export const EDC_CONTEXT = Object.freeze({ '@vocab': EDC_NS, edc: EDC_NS, odrl: ODRL_NS });

const LOCAL_NAMESPACES = [EDC_NS, ODRL_NS, 'edc:', 'odrl:'];

/** `edc:state`, `https://w3id.org/edc/v0.0.1/ns/state` and `state` name the same field. */
export function localName(name: string): string {
  const namespace = LOCAL_NAMESPACES.find((ns) => name.startsWith(ns) && name.length > ns.length);
  return namespace ? name.slice(namespace.length) : name;
}
