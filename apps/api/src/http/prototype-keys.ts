import { PROTOTYPE_KEYS } from '@app/events';

/**
 * A copy of `value` without `__proto__`, `constructor` and `prototype` keys at any depth: what
 * Nest's ValidationPipe strips before class-transformer reads a body (its `stripProtoKeys`),
 * done here in the copy instead of in a walk of its own. JSON.parse makes `__proto__` an own
 * key; assigning it would swap the object's prototype.
 */
export function withoutPrototypeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPrototypeKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>))
    if (!PROTOTYPE_KEYS.has(key)) out[key] = withoutPrototypeKeys(inner);
  return out;
}
