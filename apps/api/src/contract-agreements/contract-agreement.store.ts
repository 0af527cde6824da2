import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { partitionKey, Partitions, REDIS } from '@app/platform';
import { SideRecord } from '../state-store/state-store.service';
import { ContractAgreement } from './contract-agreement';

export interface StoredAgreement {
  agreement: ContractAgreement;
  negotiationId: string | undefined;
}

/** Agreements kept in memory per api process: enough for every agreement a busy connector uses at once. */
const CACHED = 10_000;

/**
 * Where an agreement is stored: one string of its JSON (with the id of the negotiation that
 * made it, `negotiationId`), written with its negotiation's finalization, in the partition its
 * id leads to (the negotiation's: see `newId`).
 */
export function contractAgreementKey(partitions: Partitions, id: string): string {
  return partitionKey(partitions.of(id), 'contractagreement', id);
}

/**
 * The contract agreements, by id, for transfers to name (`contractId`). An agreement is written
 * once, by the script that finalizes its negotiation (so it exists exactly when the negotiation
 * is FINALIZED), and never changes or goes away after (a finalized negotiation cannot be
 * deleted), so each api process keeps the ones it read: a transfer create under a known
 * agreement costs no Redis round trip. Absences are not kept: an agreement may appear later.
 */
@Injectable()
export class ContractAgreementStore {
  private readonly cache = new Map<string, StoredAgreement>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly partitions: Partitions,
  ) {}

  /** The id of a new agreement of negotiation `negotiationId`: drawn in its partition, so the finalizing script writes both in one slot. */
  newId(negotiationId: string): string {
    return this.partitions.newId(this.partitions.of(negotiationId));
  }

  async find(id: string): Promise<ContractAgreement | null> {
    return (await this.findStored(id))?.agreement ?? null;
  }

  /**
   * The agreement with the negotiation that made it. Agreements stored before the negotiation's
   * id was kept with them have none (`negotiationId` undefined): the caller looks it up.
   */
  async findStored(id: string): Promise<StoredAgreement | null> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const json = await this.redis.get(contractAgreementKey(this.partitions, id));
    if (json === null) return null;
    const { negotiationId, ...agreement } = JSON.parse(json) as ContractAgreement & { negotiationId?: string };
    const stored = { agreement, negotiationId };
    if (this.cache.size >= CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, stored);
    return stored;
  }

  /** The record that stores `agreement` of negotiation `negotiationId` with the transition that makes it. */
  record(agreement: ContractAgreement, negotiationId: string): SideRecord {
    return { key: contractAgreementKey(this.partitions, agreement.id), value: JSON.stringify({ ...agreement, negotiationId }) };
  }
}
