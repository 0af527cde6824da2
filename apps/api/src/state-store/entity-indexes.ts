import { EntityKind } from './stored-entity';

/**
 * Fields kept in equality indexes (one sorted set per value, scored by creation time), so a
 * query filtering on them reads only the matching objects. `state` is always indexed; every
 * object is also in a creation-time and a state-time index. Indexed fields never change after
 * creation, except `state`, which the transition script moves between indexes. A dotted name
 * is a nested path.
 */
export const EQUALITY_INDEXES: Record<Exclude<EntityKind, 'callback' | 'endpoint'>, readonly string[]> = {
  transferprocess: ['type', 'contractId', 'assetId', 'counterPartyAddress', 'protocol', 'transferType'],
  // `offer.assetId` is the asset of the agreement a negotiation ends with: contract agreement
  // queries filter by it most (docs/architecture.md, "Contract agreements").
  contractnegotiation: ['type', 'counterPartyAddress', 'counterPartyId', 'protocol', 'offer.assetId'],
};

export type IndexedKind = keyof typeof EQUALITY_INDEXES;
