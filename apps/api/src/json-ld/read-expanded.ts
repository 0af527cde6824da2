import { PROTOTYPE_KEYS } from '@app/events';
import { ExpandedNode } from './expand-request';
import { localName } from './namespaces';

/**
 * The expanded document as the plain object the request DTOs validate: EDC and ODRL terms by
 * their local names (`counterPartyAddress`, `permission`), other IRIs as they are, `@id` and
 * `@type` (full IRIs) kept, value objects as their values, a node that is only an `@id` as
 * that id (ODRL's `assigner`/`target`), and a property with one value as that value (the DTOs
 * take one value where EDC takes a list, as JSON-LD does). What the expansion dropped (keys
 * no context maps, nulls) is not there, so nothing is validated that EDC would not read.
 */
export function readExpanded(node: ExpandedNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '@id') out['@id'] = value;
    else if (key === '@type') out['@type'] = oneOrMany(value as string[]);
    else if (key.startsWith('@'))
      continue; // @index, @reverse, @included, @graph: nothing EDC reads
    else {
      const name = localName(key);
      // The first spelling wins when two namespaces share a local name.
      if (PROTOTYPE_KEYS.has(name) || Object.prototype.hasOwnProperty.call(out, name)) continue;
      out[name] = oneOrMany((value as unknown[]).map(readValue));
    }
  }
  return out;
}

function readValue(item: unknown): unknown {
  const object = item as Record<string, unknown>;
  if ('@value' in object) return object['@value'];
  if ('@list' in object) return (object['@list'] as unknown[]).map(readValue);
  const keys = Object.keys(object);
  if (keys.length === 1 && keys[0] === '@id') return object['@id'];
  return readExpanded(object);
}

function oneOrMany(values: unknown[]): unknown {
  return values.length === 1 ? values[0] : values;
}
