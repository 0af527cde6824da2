import { IndexedKind } from '../state-store/entity-indexes';
import { EQUALITY_INDEXES } from '../state-store/entity-indexes';

export type FieldType = 'string' | 'number' | 'boolean' | 'state';

/** What a QuerySpec may filter and sort one kind of object by; a dotted name is a nested path (`contractAgreement.assetId`). */
export interface QuerySchema {
  kind: IndexedKind;
  fields: Record<string, FieldType>;
  stateCodes: Record<string, number>;
}

/** The fields of `kind`'s equality indexes (plus `state`), which a query can look up directly. */
export function isIndexed(schema: QuerySchema, field: string): boolean {
  return field === 'state' || EQUALITY_INDEXES[schema.kind].includes(field);
}

/** Time fields with a sorted-set index of their own, usable for ranges and sorting in Redis. */
export const TIME_INDEXES = ['createdAt', 'stateTimestamp'] as const;
