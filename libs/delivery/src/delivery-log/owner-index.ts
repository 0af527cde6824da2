import type { LogPosition } from './delivery-search';

/**
 * The members of a partition's `delivery-index:owners`, one lex-ordered sorted set (every score
 * 0) that holds, for each delivery, a member under its event and one under its negotiation or
 * transfer: `<kind><owner id's length in bytes>:<owner id><createdAt, 15 digits><delivery id>`,
 * kind `e` (event) or `n` (entity). An owner's members share the prefix up to the createdAt, and
 * no other owner's member starts with it (the length ends at the first `:`, so it is read the
 * same way in both; then the ids must be equal), whatever bytes the ids hold. Within the prefix
 * they sort by createdAt, then delivery id: the order of the score-ordered indexes.
 */
export type OwnerKind = 'event' | 'entity';

const TAGS: Record<OwnerKind, string> = { event: 'e', entity: 'n' };
/** Digits of createdAt: epoch ms to the year 33658. */
const AT_WIDTH = 15;
const LAST_AT = 10 ** AT_WIDTH - 2;

/** The part every member of one owner starts with. */
export function ownerPrefix(kind: OwnerKind, ownerId: string): string {
  return `${TAGS[kind]}${Buffer.byteLength(ownerId)}:${ownerId}`;
}

export function ownerMember(kind: OwnerKind, ownerId: string, createdAt: number, deliveryId: string): string {
  return ownerPrefix(kind, ownerId) + at(createdAt) + deliveryId;
}

/**
 * ZRANGE ... BYLEX REV bounds (high first) of one owner's members created in `[min, max]`;
 * after the prefix come only the createdAt's digits, so these bounds hold no other owner's.
 */
export function ownerRange(prefix: string, min: number, max: number): [string, string] {
  return [`(${prefix}${at(Math.min(max, LAST_AT) + 1)}`, `[${prefix}${at(Math.max(min, 0))}`];
}

/** The delivery and its creation time, from a member starting with `prefix`. */
export function positionOf(prefix: string, member: string): LogPosition {
  return { at: Number(member.slice(prefix.length, prefix.length + AT_WIDTH)), id: member.slice(prefix.length + AT_WIDTH) };
}

function at(ms: number): string {
  return String(ms).padStart(AT_WIDTH, '0');
}

/**
 * A member of `delivery-index:all`: the delivery id, then NUL and its entity id, which the sweep
 * needs to find the delivery's entity member when it trims it (the record may have expired by
 * then; the event member it rebuilds from the id). Ids this service makes hold no NUL, and the
 * NUL sorts before any other byte, so members sort as their delivery ids do. An entry of the
 * previous release is the bare id.
 */
export function allMember(deliveryId: string, entityId: string): string {
  return `${deliveryId}\0${entityId}`;
}

/** The delivery id and, unless the entry is the previous release's, the entity id of an `all` member. */
export function parseAllMember(member: string): { id: string; entityId?: string } {
  const nul = member.indexOf('\0');
  return nul < 0 ? { id: member } : { id: member.slice(0, nul), entityId: member.slice(nul + 1) };
}
