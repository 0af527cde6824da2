import { EQUALITY_INDEXES, IndexedKind } from './entity-indexes';

/**
 * The equality indexes of the fields that never change (every field of EQUALITY_INDEXES) are
 * one lex-ordered sorted set per partition and kind, every member scored 0, one member per
 * object and field:
 *
 *   <field> \0 <byte length of value> \0 <value> \0 <createdAt, CREATED_AT_WIDTH digits> \0 <id>
 *
 * so a create writes all of them with one ZADD. The members of one value share the prefix up
 * to the createdAt, and no other member starts with it (a field has no \0, and the length says
 * where the value ends however many \0 it holds), so the lex range [prefix, prefix \xff) is
 * exactly that value's ids in creation order (UTF-8 has no byte 0xff, and the byte after the
 * prefix is a digit). `state` changes with every transition and stays a sorted set per value.
 */
export const CREATED_AT_WIDTH = 16;

/** Whether `field` of `kind` is in the folded set (a field of EQUALITY_INDEXES, not `state`). */
export function isFolded(kind: IndexedKind, field: string): boolean {
  return EQUALITY_INDEXES[kind].includes(field);
}

/** What every member of `field` = `value` starts with. */
export function valuePrefix(field: string, value: string): string {
  return `${field}\0${Buffer.byteLength(value, 'utf8')}\0${value}\0`;
}

/** The member of one object's `field` = `value`. */
export function valueMember(field: string, value: string, createdAt: number, id: string): string {
  return `${valuePrefix(field, value)}${paddedCreatedAt(createdAt)}\0${id}`;
}

/**
 * The lex range of `prefix`'s members, as ZRANGE BYLEX and ZLEXCOUNT take it: the end a
 * Buffer, since a string would reach Redis as UTF-8 (0xff as two bytes, c3 bf).
 */
export function lexRange(prefix: string): { min: string; max: Buffer } {
  return { min: `[${prefix}`, max: Buffer.concat([Buffer.from(`(${prefix}`, 'utf8'), Buffer.from([0xff])]) };
}

/** The creation time and id of a member (as Redis sent it) whose prefix is `prefixBytes` long. */
export function parseMember(member: Buffer, prefixBytes: number): { id: string; score: number } {
  return {
    score: Number(member.toString('latin1', prefixBytes, prefixBytes + CREATED_AT_WIDTH)),
    id: member.toString('utf8', prefixBytes + CREATED_AT_WIDTH + 1),
  };
}

function paddedCreatedAt(createdAt: number): string {
  // A createdAt the width cannot hold in order would put the object out of place in every range.
  if (!Number.isSafeInteger(createdAt) || createdAt < 0 || String(createdAt).length > CREATED_AT_WIDTH)
    throw new Error(`createdAt ${createdAt} is not a whole number of milliseconds an index can hold`);
  return String(createdAt).padStart(CREATED_AT_WIDTH, '0');
}
