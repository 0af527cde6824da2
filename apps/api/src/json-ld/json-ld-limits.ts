/**
 * Bounds on the JSON-LD work one request may ask for. Expansion processes every `@context` it
 * meets (a scoped context once per node that uses it), so a large body of nodes under a large
 * context multiplies. Real EDC requests are far below these: a transfer request has about ten
 * objects, a policy with constraints a few dozen, and inline contexts a handful of terms.
 */
export const JSON_LD_LIMITS = {
  /** Objects and arrays in one body. */
  maxNodes: 2_000,
  /** `@context` entries anywhere in one body (inline or by URL). */
  maxContexts: 16,
  /** Term definitions in all inline contexts of one body, nested ones included. */
  maxContextTerms: 256,
} as const;

/** Why `body` asks for more JSON-LD work than one request may, or null. Walked without recursion. */
export function jsonLdLimitProblem(body: unknown): string | null {
  let nodes = 0;
  let contexts = 0;
  let terms = 0;
  const pending: [unknown, boolean][] = [[body, false]];
  while (pending.length > 0) {
    const [value, inContext] = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (++nodes > JSON_LD_LIMITS.maxNodes) return `The request body has more than ${JSON_LD_LIMITS.maxNodes} objects and arrays`;
    if (Array.isArray(value)) {
      for (const item of value) pending.push([item, inContext]);
      continue;
    }
    for (const [key, inner] of Object.entries(value)) {
      if (inContext && ++terms > JSON_LD_LIMITS.maxContextTerms)
        return `The request body's @context entries define more than ${JSON_LD_LIMITS.maxContextTerms} terms`;
      if (key === '@context') {
        contexts += Array.isArray(inner) ? inner.length : 1;
        if (contexts > JSON_LD_LIMITS.maxContexts) return `The request body has more than ${JSON_LD_LIMITS.maxContexts} @context entries`;
      }
      pending.push([inner, inContext || key === '@context']);
    }
  }
  return null;
}
