import { PROTOTYPE_KEYS } from '@app/events';
import { UnreadableJsonLd } from './expand-request';
import { JSON_LD_LIMITS } from './json-ld-limits';
import { EDC_NS, ODRL_NS } from './namespaces';

/** The top-level contexts under which every plain key is an EDC term: what EDC's docs and clients send. */
const PLAIN_CONTEXTS: Record<string, string>[] = [
  { '@vocab': EDC_NS },
  { edc: EDC_NS },
  { '@vocab': EDC_NS, edc: EDC_NS },
  { '@vocab': EDC_NS, odrl: ODRL_NS },
  { '@vocab': EDC_NS, edc: EDC_NS, odrl: ODRL_NS },
];

/**
 * A term that expands under `@vocab` to EDC's namespace plus itself, and reads back as itself:
 * not `edc` or `odrl`, which the base context defines as prefixes.
 */
const PLAIN_TERM = /^(?!(?:edc|odrl)$)[A-Za-z_][A-Za-z0-9_.-]*$/;
/** An `@id` the expansion leaves as it is: no scheme, no path, query or fragment, no dot segment. */
const PLAIN_ID = /^[A-Za-z0-9_~-][A-Za-z0-9_.~-]*$/;

class NotPlain extends Error {}

/** What the walk has met so far, against the processor's limits (json-ld-limits.ts). */
interface Budget {
  nodes: number;
  values: number;
}
const notPlain = new NotPlain();

/**
 * What `readExpanded(await expandRequest(body))` gives, computed in one walk, for the common
 * compact form only: no context but one of PLAIN_CONTEXTS at the top, every key a plain term
 * (or `@id` with a simple name, `@type` with plain terms), no arrays in arrays. Under those
 * conditions JSON-LD expansion maps each key to EDC's namespace and each scalar to a value
 * object, drops nulls, and nothing else; reading that back gives the keys and values as they
 * were, one-element lists as their element. Anything else answers `undefined`, and the body
 * goes through the JSON-LD processor. `read-compact.spec.ts` compares both over many shapes.
 */
export function readCompact(body: Record<string, unknown>): Record<string, unknown> | undefined {
  if ('@context' in body && !PLAIN_CONTEXTS.some((c) => sameContext(body['@context'], c))) return undefined;
  // The top context's values count as the processor's limits count them.
  const budget = { nodes: 0, values: '@context' in body ? Object.keys(body['@context'] as object).length : 0 };
  try {
    return readNode(body, budget, true);
  } catch (err) {
    if (err === notPlain) return undefined;
    throw err;
  }
}

function readNode(node: Record<string, unknown>, budget: Budget, top = false): Record<string, unknown> {
  count(budget);
  const out: Record<string, unknown> = {};
  // The keys the expansion keeps: all but null-valued ones (and the top's @context).
  let kept = 0;
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (key === '@context' && top) continue;
    // What the processor makes of `__proto__` is its own business: such a body takes its path.
    if (key === '__proto__') throw notPlain;
    if (value !== null) kept++;
    if (value === null || typeof value !== 'object') countValue(budget);
    if (key === '@id') {
      // A compact IRI (`odrl:use`) expands by its prefix and a relative one (`./x`) is resolved;
      // a simple name (a UUID, `contract-1`) stays as it is.
      if (typeof value !== 'string' || !PLAIN_ID.test(value)) throw notPlain;
      out['@id'] = value;
    } else if (key === '@type') {
      const types = Array.isArray(value) ? value : [value];
      if (Array.isArray(value)) {
        count(budget);
        for (let i = 0; i < value.length; i++) countValue(budget);
      }
      if (types.length === 0 || !types.every((t) => typeof t === 'string' && PLAIN_TERM.test(t))) throw notPlain;
      out['@type'] = types.length === 1 ? EDC_NS + types[0] : types.map((t) => EDC_NS + t);
    } else if (!PLAIN_TERM.test(key)) throw notPlain;
    else if (value !== null) {
      const values = Array.isArray(value) ? readArray(value, budget) : [readValue(value, budget)];
      // Read all the same: the processor expands (and may refuse) what the reader then drops.
      if (!PROTOTYPE_KEYS.has(key)) out[key] = values.length === 1 ? values[0] : values;
    }
  }
  const onlyId = kept === 1 && '@id' in out;
  // The expansion drops a top-level node with nothing but an @id; the reader takes a nested
  // one as its id (an ODRL assigner).
  if (top) return kept === 0 || onlyId ? {} : out;
  return onlyId ? (out['@id'] as never) : out;
}

function readArray(items: unknown[], budget: Budget): unknown[] {
  count(budget);
  const out: unknown[] = [];
  for (const item of items) {
    if (Array.isArray(item)) throw notPlain;
    if (item === null || typeof item !== 'object') countValue(budget);
    if (item !== null) out.push(readValue(item, budget));
  }
  return out;
}

function readValue(value: unknown, budget: Budget): unknown {
  return value !== null && typeof value === 'object' ? readNode(value as Record<string, unknown>, budget) : value;
}

function count(budget: Budget): void {
  if (++budget.nodes > JSON_LD_LIMITS.maxNodes)
    throw new UnreadableJsonLd(`The request body has more than ${JSON_LD_LIMITS.maxNodes} objects and arrays`);
}

function countValue(budget: Budget): void {
  if (++budget.values > JSON_LD_LIMITS.maxValues)
    throw new UnreadableJsonLd(`The request body has more than ${JSON_LD_LIMITS.maxValues} values`);
}

function sameContext(given: unknown, plain: Record<string, string>): boolean {
  if (given === null || typeof given !== 'object' || Array.isArray(given)) return false;
  const keys = Object.keys(given);
  return keys.length === Object.keys(plain).length && keys.every((k) => (given as Record<string, unknown>)[k] === plain[k]);
}
