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
  return compact(value, false);
}

/**
 * `compactJsonLd`, and in the same walk without the keys `constructor` and `prototype` at any
 * depth (`@context` included): what Nest's ValidationPipe strips before class-transformer reads
 * a body (its `stripProtoKeys`), done here in the copy instead of in a walk of its own.
 */
export function compactJsonLdForValidation(value: unknown): unknown {
  return compact(value, true);
}

function compact(value: unknown, strip: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => compact(item, strip));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  // A value object's value is taken as it is (not compacted), but stripped all the same.
  if (entries.length === 1 && entries[0][0] === '@value') return strip ? withoutPrototypeKeys(entries[0][1]) : entries[0][1];
  const out: Record<string, unknown> = {};
  for (const [key, inner] of entries) {
    // JSON.parse makes "__proto__" an own key; assigning it would swap the object's prototype.
    if (key === '__proto__') continue;
    const plain = compactKey(key);
    // A plain key wins over a prefixed spelling of the same name.
    if (plain !== key && Object.prototype.hasOwnProperty.call(value, plain)) continue;
    if (strip && (plain === 'constructor' || plain === 'prototype')) continue;
    out[plain] = key === '@context' ? (strip ? withoutPrototypeKeys(inner) : inner) : compact(inner, strip);
  }
  return out;
}

/** A copy of `value` without `__proto__`, `constructor` and `prototype` keys at any depth. */
function withoutPrototypeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPrototypeKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>))
    if (key !== '__proto__' && key !== 'constructor' && key !== 'prototype') out[key] = withoutPrototypeKeys(inner);
  return out;
}
