/**
 * JSON-LD tolerance: EDC clients send keys plain (`counterPartyAddress`), prefixed
 * (`edc:counterPartyAddress`) or as full IRIs (`https://w3id.org/edc/v0.0.1/ns/...`); all are
 * read alike. `@id`, `@type` and `@context` stay as they are; `{"@value": x}` becomes `x`.
 */
const NAMESPACES = ['https://w3id.org/edc/v0.0.1/ns/', 'http://www.w3.org/ns/odrl/2/', 'edc:', 'odrl:'];

export function compactKey(key: string): string {
  const namespace = NAMESPACES.find((ns) => key.startsWith(ns) && key.length > ns.length);
  return namespace ? key.slice(namespace.length) : key;
}

export function compactJsonLd(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compactJsonLd);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && entries[0][0] === '@value') return entries[0][1];
  const out: Record<string, unknown> = {};
  for (const [key, inner] of entries) {
    // JSON.parse makes "__proto__" an own key; assigning it would swap the object's prototype.
    if (key === '__proto__') continue;
    const plain = compactKey(key);
    // A plain key wins over a prefixed spelling of the same name.
    if (plain !== key && Object.prototype.hasOwnProperty.call(value, plain)) continue;
    out[plain] = key === '@context' ? inner : compactJsonLd(inner);
  }
  return out;
}
