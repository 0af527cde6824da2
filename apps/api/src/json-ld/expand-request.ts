import jsonld from 'jsonld';
import { EDC_CONTEXT } from './namespaces';
import { servedContextLoader, UnknownRemoteContext } from './context-documents';
import { jsonLdLimitProblem } from './json-ld-limits';

/** An expanded JSON-LD node object: IRIs to arrays of values, plus keywords. */
export type ExpandedNode = Record<string, unknown>;

/** A body that is not JSON-LD this service can read; its message says why, for a 400. */
export class UnreadableJsonLd extends Error {}

/**
 * Expands a request body as EDC does, with a real JSON-LD processor (`jsonld`, the reference
 * implementation), before anything reads it: whatever valid form the client chose (compact
 * with `@vocab`, prefixed, expanded, custom prefixes, single values for lists) comes out the
 * same. `EDC_CONTEXT` is applied first, so plain keys read as EDC terms and `edc:`/`odrl:`
 * need no declaration. Remote contexts come only from the repo's files.
 */
export async function expandRequest(body: object): Promise<ExpandedNode> {
  const tooMuch = jsonLdLimitProblem(body);
  if (tooMuch) throw new UnreadableJsonLd(tooMuch);
  let expanded: unknown[];
  try {
    expanded = await jsonld.expand(
      body as jsonld.JsonLdDocument,
      // No base IRI: a relative `@id` ("", "../x") stays as the client wrote it, as the id it
      // gets back (only a body's own `@base` makes ids absolute).
      { documentLoader: servedContextLoader, expandContext: { ...EDC_CONTEXT }, base: null } as unknown as jsonld.Options.Expand,
    );
  } catch (err) {
    throw new UnreadableJsonLd(expansionFailure(err));
  }
  // A top-level @graph (or an array) would be several requests in one.
  if (expanded.length > 1) throw new UnreadableJsonLd('The request body must be one JSON-LD object, not a @graph of several');
  return (expanded[0] ?? {}) as ExpandedNode;
}

function expansionFailure(err: unknown): string {
  const refused = causeOf(err, UnknownRemoteContext);
  if (refused)
    return `The @context ${refused.url} is not one this service knows, and remote contexts are never fetched; inline the context, or use one of EDC's (docs/architecture.md, "JSON-LD")`;
  const details = (err as { details?: { code?: string } })?.details;
  const reason = details?.code ?? (err as Error)?.message ?? 'unknown error';
  return `The request body is not valid JSON-LD: ${reason}`;
}

function causeOf<T extends Error>(err: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let e = err as { details?: { cause?: unknown }; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e instanceof type) return e as unknown as T;
    e = (e.details?.cause ?? e.cause) as typeof e;
  }
  return undefined;
}
