import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ContractRequestDto } from '@app/events';
import { AppMetrics } from '@app/platform';
import { APP_CONFIG, AppConfig } from '@app/platform';
import { CallbackAddressPolicy } from '../callback-addresses/callback-address.policy';
import { EventGate } from '../event-gate/event-gate.service';
import { EdcException } from '../http/edc-error';
import { EntityLifecycle, initialFields, TransitionDetails } from '../lifecycle/entity-lifecycle';
import { StateStore } from '../state-store/state-store.service';
import { ContractAgreement, ContractNegotiation, NEGOTIATION_MACHINE, NegotiationState } from './contract-negotiation';
import { contractNegotiationEvent } from './contract-negotiation.events';

@Injectable()
export class ContractNegotiationsService {
  private readonly lifecycle: EntityLifecycle<NegotiationState, ContractNegotiation>;

  constructor(
    store: StateStore,
    metrics: AppMetrics,
    gate: EventGate,
    private readonly callbacks: CallbackAddressPolicy,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.lifecycle = new EntityLifecycle(NEGOTIATION_MACHINE, store, metrics, gate, contractNegotiationEvent);
  }

  async create(request: ContractRequestDto): Promise<ContractNegotiation> {
    const callbackAddresses = this.callbacks.fromRequest(request.callbackAddresses);
    return this.lifecycle.create({
      ...initialFields(request['@id']),
      counterPartyAddress: request.counterPartyAddress,
      counterPartyId: request.policy.assigner,
      protocol: request.protocol,
      offer: { ...request.policy },
      callbackAddresses,
    });
  }

  get(id: string): Promise<ContractNegotiation> {
    return this.lifecycle.get(id);
  }

  /** The agreement of a finalized negotiation; 404 before that. */
  async agreement(id: string): Promise<ContractAgreement> {
    const cn = await this.get(id);
    if (cn.state !== 'FINALIZED' || !cn.agreement) throw EdcException.notFound('ContractAgreement', id);
    return cn.agreement;
  }

  /** Moves a negotiation to `to` with its one event; finalizing makes the agreement. */
  transition(id: string, to: NegotiationState, details: TransitionDetails = {}): Promise<ContractNegotiation> {
    return this.lifecycle.transition(id, to, details, (next) => (to === 'FINALIZED' ? this.withAgreement(next) : next));
  }

  simulateStep(id: string, state: NegotiationState): Promise<void> {
    return this.lifecycle.simulateStep(id, state, (_current, next) => this.transition(id, next));
  }

  private withAgreement(cn: ContractNegotiation): ContractNegotiation {
    const agreement: ContractAgreement = {
      '@type': 'ContractAgreement',
      '@id': randomUUID(),
      providerId: cn.counterPartyId,
      consumerId: this.config.participantId,
      assetId: cn.offer.target,
      contractSigningDate: Math.floor(cn.stateTimestamp / 1000),
      policy: { ...cn.offer, '@type': 'odrl:Agreement', assignee: this.config.participantId },
    };
    return { ...cn, agreement, contractAgreementId: agreement['@id'] };
  }
}
