/**
 * Bounds on the JSON-LD work one request may ask for. Expansion processes every `@context` it
 * meets, a scoped one again for each node it applies to, so many nodes under a large inline
 * context multiply (990 nodes under a 200-term type-scoped context: 0.5 s of CPU). Real EDC
 * requests are far below these: a transfer request has about ten objects, a policy with
 * constraints a few dozen, and inline contexts a handful of terms. Within them, the worst
 * body measured costs about 0.1 s (docs/performance.md, "JSON-LD").
 */
export const JSON_LD_LIMITS = {
  /** Objects and arrays in one body. */
  maxNodes: 1_000,
  /** `@context` entries anywhere in one body (inline or by URL). */
  maxContexts: 16,
  /** Term definitions in all inline contexts of one body, nested ones included. */
  maxContextTerms: 256,
  /** Objects times inline terms: what a scoped context applied to every node costs. */
  maxNodesTimesTerms: 10_000,
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
  if (nodes * terms > JSON_LD_LIMITS.maxNodesTimesTerms)
    return `The request body has ${nodes} objects and arrays under ${terms} inline @context terms: more JSON-LD work than one request may ask for (at most ${JSON_LD_LIMITS.maxNodesTimesTerms.toLocaleString('en-US')} objects times terms)`;
  return null;
}
