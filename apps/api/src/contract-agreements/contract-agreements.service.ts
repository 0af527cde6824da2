import { Injectable } from '@nestjs/common';
import { NotFound } from '../domain/domain-errors';
import { ContractNegotiation } from '../contract-negotiations/contract-negotiation';
import { ContractNegotiationsService } from '../contract-negotiations/contract-negotiations.service';
import { QueryPlan } from '../query/query-plan';
import { QueryService } from '../query/query.service';
import { ContractAgreement } from './contract-agreement';
import { ContractAgreementStore } from './contract-agreement.store';
import { AGREEMENT_NEGOTIATIONS, negotiationPlanOf } from './contract-agreement.query';

/** EDC's `ContractAgreementService` for a consumer: agreements by id, by QuerySpec, and the negotiation of one. */
@Injectable()
export class ContractAgreementsService {
  constructor(
    private readonly agreements: ContractAgreementStore,
    private readonly negotiations: ContractNegotiationsService,
    private readonly queries: QueryService,
  ) {}

  async get(id: string): Promise<ContractAgreement> {
    const agreement = await this.agreements.find(id);
    if (!agreement) throw new NotFound('ContractAgreement', id);
    return agreement;
  }

  /** Agreements by a plan over the agreement's fields (read at the edge by `QueryPlanPipe`). */
  async query(plan: QueryPlan): Promise<ContractAgreement[]> {
    const found = await this.queries.query<ContractNegotiation>(AGREEMENT_NEGOTIATIONS, negotiationPlanOf(plan));
    return found.flatMap((cn) => cn.contractAgreement ?? []);
  }

  /** The negotiation that made agreement `id`; 404 (naming the agreement, as EDC) when there is none. */
  async negotiation(id: string): Promise<ContractNegotiation> {
    const stored = await this.agreements.findStored(id);
    if (!stored) throw new NotFound('ContractAgreement', id);
    if (stored.negotiationId) return this.negotiations.get(stored.negotiationId);
    // Agreements stored before they kept their negotiation's id: look among the finalized ones.
    const [cn] = await this.queries.query<ContractNegotiation>(
      AGREEMENT_NEGOTIATIONS,
      negotiationPlanOf({
        offset: 0,
        limit: 1,
        sortField: 'createdAt',
        descending: false,
        criteria: [{ field: 'id', type: 'string', operator: '=', operand: id }],
      }),
    );
    if (!cn) throw new NotFound('ContractAgreement', id);
    return cn;
  }
}
