import { BoundedCache } from '@app/platform/memory/bounded-cache';
import { CONTEXT_DOCUMENTS } from './context-documents';

/**
 * Bounds on the JSON-LD work one request may ask for, checked before the processor runs (it
 * runs to the end on the event loop once started, so the bound has to be known up front).
 * Expansion processes every `@context` it meets, a scoped one again for each node it applies
 * to, and a served context (by URL) as much as an inline one of its size: a large one such as
 * EDC's management context v2 is tens of milliseconds each time it is processed afresh
 * (docs/performance.md, "Figures behind choices in the code"). Real EDC requests are far below these: a transfer request has about ten
 * objects, a policy with constraints a few dozen, inline contexts a handful of terms, and
 * EDC's own contexts named once at the top. docs/reliability.md, "The work bound per request".
 */
export const JSON_LD_LIMITS = {
  /** Objects and arrays in one body. */
  maxNodes: 1_000,
  /** Strings, numbers, booleans and nulls in one body: each becomes a value object. */
  maxValues: 20_000,
  /** `@context` entries anywhere in one body (inline or by URL). */
  maxContexts: 16,
  /** Term definitions in all inline contexts of one body, nested ones included. */
  maxContextTerms: 256,
  /** Objects times inline terms: what a scoped context applied to every node costs. */
  maxNodesTimesTerms: 10_000,
  /**
   * The weight (`contextWeight`) of every context the body names, inline or served, each time
   * it is named: EDC's seven served contexts at the top weigh about 2,500, the management context
   * v2 alone 803, all sixteen shipped ones 3,332 (jsonld resolves at most ten URLs per body).
   */
  maxContextWeight: 4_000,
} as const;

/** What a scoped context inside a term definition adds to its weight besides its terms: its processing copies the active context. */
const SCOPED_DEFINITION_WEIGHT = 10;

// As many as there are served contexts: each one's weight is computed once.
const servedWeights = new BoundedCache<string, number>(CONTEXT_DOCUMENTS.size);

/**
 * The work of processing a context, in term definitions: one per term, nested scoped contexts
 * with their own weight plus SCOPED_DEFINITION_WEIGHT each (the processor checks each one when
 * it defines the term), and a served context (by URL, or `@import`ed) the weight of its
 * document, computed from the document itself, so any context served is charged by its size.
 */
export function contextWeight(context: unknown, depth = 0): number {
  if (depth > 32) return Infinity;
  if (typeof context === 'string') return servedWeight(context, depth);
  if (Array.isArray(context)) return context.reduce((sum: number, c) => sum + contextWeight(c, depth + 1), 0);
  if (context === null || typeof context !== 'object') return 0;
  let weight = 0;
  for (const [key, definition] of Object.entries(context)) {
    weight += 1;
    if (key === '@import') weight += contextWeight(definition, depth + 1);
    if (definition !== null && typeof definition === 'object' && '@context' in definition)
      weight += SCOPED_DEFINITION_WEIGHT + contextWeight((definition as { '@context': unknown })['@context'], depth + 1);
  }
  return weight;
}

function servedWeight(url: string, depth: number): number {
  const document = CONTEXT_DOCUMENTS.get(url) as { '@context'?: unknown } | undefined;
  // Not served: refused when the processor asks for it, at no cost.
  if (!document) return 0;
  return servedWeights.get(url, () => contextWeight(document['@context'], depth + 1));
}

/** Whether a context value names a served context (by URL, in a list, or through `@import`). */
function namesServed(context: unknown): boolean {
  if (typeof context === 'string') return CONTEXT_DOCUMENTS.has(context);
  if (Array.isArray(context)) return context.some(namesServed);
  return (
    context !== null && typeof context === 'object' && '@import' in context && namesServed((context as { '@import': unknown })['@import'])
  );
}

/** Why `body` asks for more JSON-LD work than one request may, or null. Walked without recursion. */
export function jsonLdLimitProblem(body: unknown): string | null {
  let nodes = 0;
  let values = 0;
  let contexts = 0;
  let terms = 0;
  let weight = 0;
  const pending: [unknown, boolean][] = [[body, false]];
  while (pending.length > 0) {
    const [value, inContext] = pending.pop()!;
    if (value === null || typeof value !== 'object') {
      if (++values > JSON_LD_LIMITS.maxValues) return `The request body has more than ${JSON_LD_LIMITS.maxValues} values`;
      continue;
    }
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
        // Inside a term definition a context is scoped: processed again for every node it
        // applies to. A served one there would cost its whole size each time; no EDC client
        // puts one there.
        if (inContext && namesServed(inner))
          return "The request body names a served context (EDC's, ODRL's, DSP's) inside a term definition (a scoped context); name it in a node's @context instead";
        if (!inContext) {
          weight += contextWeight(inner);
          if (weight > JSON_LD_LIMITS.maxContextWeight)
            return `The request body's @context entries weigh more than ${JSON_LD_LIMITS.maxContextWeight.toLocaleString('en-US')} term definitions (each served context counts its whole size each time it is named): more JSON-LD work than one request may ask for`;
        }
      }
      // A served context's URL is a value; it is weighed above, not counted as a value here.
      pending.push([inner, inContext || key === '@context']);
    }
  }
  if (nodes * terms > JSON_LD_LIMITS.maxNodesTimesTerms)
    return `The request body has ${nodes} objects and arrays under ${terms} inline @context terms: more JSON-LD work than one request may ask for (at most ${JSON_LD_LIMITS.maxNodesTimesTerms.toLocaleString('en-US')} objects times terms)`;
  return null;
}
