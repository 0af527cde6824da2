import { withSpan } from '@app/platform';
import { expandRequest } from './expand-request';
import { readCompact } from './read-compact';
import { readExpanded } from './read-expanded';

/**
 * A request body expanded as JSON-LD and read into the plain object its DTO validates. The
 * common compact form (plain keys under EDC's `@vocab`) is read in one walk with the same
 * result (read-compact.ts); every other body goes through the JSON-LD processor.
 */
export function readJsonLd(body: object): Promise<Record<string, unknown>> {
  return withSpan('json-ld read', {}, async () => readCompact(body as Record<string, unknown>) ?? readExpanded(await expandRequest(body)));
}
