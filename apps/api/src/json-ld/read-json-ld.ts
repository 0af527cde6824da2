import { expandRequest } from './expand-request';
import { readExpanded } from './read-expanded';

/** A request body expanded as JSON-LD and read into the plain object its DTO validates. */
export async function readJsonLd(body: object): Promise<Record<string, unknown>> {
  return readExpanded(await expandRequest(body));
}
