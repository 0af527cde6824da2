import { IndexedKind } from '../state-store/entity-indexes';
import { EQUALITY_INDEXES } from '../state-store/entity-indexes';

export type FieldType = 'string' | 'number' | 'boolean' | 'state';

/** What a QuerySpec may filter and sort one kind of object by; a dotted name is a nested path (`contractAgreement.assetId`). */
export interface QuerySchema {
  kind: IndexedKind;
  fields: Record<string, FieldType>;
  stateCodes: Record<string, number>;
  /** Paths under one of these names (`policy.`) are fields too, of type string, reached through lists (`AnyOf`). */
  openPaths?: readonly string[];
}

/** The type of `field` in `schema`, undefined when it is not one (own names only: `constructor` is no field). */
export function fieldType(schema: QuerySchema, field: string): FieldType | undefined {
  if (Object.prototype.hasOwnProperty.call(schema.fields, field)) return schema.fields[field];
  const open = schema.openPaths?.some((prefix) => field.startsWith(prefix) && field.length > prefix.length && !field.endsWith('.'));
  return open ? 'string' : undefined;
}

/** The fields of `kind`'s equality indexes (plus `state`), which a query can look up directly. */
export function isIndexed(schema: QuerySchema, field: string): boolean {
  return field === 'state' || EQUALITY_INDEXES[schema.kind].includes(field);
}

/** Time fields with a sorted-set index of their own, usable for ranges and sorting in Redis. */
export const TIME_INDEXES = ['createdAt', 'stateTimestamp'] as const;
