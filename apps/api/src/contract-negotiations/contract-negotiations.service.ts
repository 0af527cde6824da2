import { Inject, Injectable, Logger } from '@nestjs/common';
import { DeliveryLanes } from '@app/delivery';
import { AppMetrics } from '@app/platform';
import { APP_CONFIG, AppConfig } from '@app/platform';
import { CallbackAddressPolicy } from '../callback-addresses/callback-address.policy';
import { ContractAgreement } from '../contract-agreements/contract-agreement';
import { ContractAgreementStore } from '../contract-agreements/contract-agreement.store';
import { EventGate } from '../event-gate/event-gate.service';
import { InvalidInput, NotFound } from '../domain/domain-errors';
import { EntityLifecycle, newEntity, TransitionDetails } from '../lifecycle/entity-lifecycle';
import { policyFromOdrl } from '../policies/policy-from-odrl';
import { StateStore } from '../state-store/state-store.service';
import { ContractNegotiation, NEGOTIATION_MACHINE, NegotiationState } from './contract-negotiation';
import { contractNegotiationEvent } from './contract-negotiation.events';
import { ContractRequestDto } from './contract-request.dto';
import { readBody } from '../http/validate-body';

/** What `?callbackURL=` of a negotiation create listens to: all of its events. */
const NEGOTIATION_EVENTS = ['contract.negotiation'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

@Injectable()
export class ContractNegotiationsService {
  private readonly logger = new Logger('ContractNegotiations');
  private readonly lifecycle: EntityLifecycle<NegotiationState, ContractNegotiation>;

  constructor(
    store: StateStore,
    metrics: AppMetrics,
    gate: EventGate,
    private readonly callbacks: CallbackAddressPolicy,
    private readonly agreements: ContractAgreementStore,
    private readonly lanes: DeliveryLanes,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.lifecycle = new EntityLifecycle(NEGOTIATION_MACHINE, store, metrics, gate, contractNegotiationEvent);
  }

  /**
   * EDC's `initiate`. `callbackUrl` is Metamug's `?callbackURL=`: one more address for every
   * negotiation event. Every problem of the body, its policy and its addresses is in one 400.
   */
  async create(body: unknown, callbackUrl?: unknown): Promise<ContractNegotiation> {
    const { dto: request, problems } = await readBody(ContractRequestDto, body);
    const offer = isObject(request.policy) ? policyFromOdrl({ policy: request.policy, path: 'policy', type: 'offer' }) : null;
    if (offer) problems.push(...offer.problems);
    const callbackAddresses = this.callbacks.collect(
      { addresses: request.callbackAddresses, queryUrl: callbackUrl, queryEvents: NEGOTIATION_EVENTS },
      problems,
    );
    if (problems.length > 0 || !offer) throw new InvalidInput(problems);
    return this.lifecycle.create(
      newEntity(request['@id'], {
        counterPartyAddress: request.counterPartyAddress,
        counterPartyId: request.policy.assigner,
        protocol: request.protocol,
        offer: { id: request.policy['@id'], policy: offer.policy, assetId: request.policy.target },
        callbackAddresses,
        pending: false,
      }),
    );
  }

  get(id: string): Promise<ContractNegotiation> {
    return this.lifecycle.get(id);
  }

  /** The agreement of a finalized negotiation; 404 before that. */
  async agreement(id: string): Promise<ContractAgreement> {
    const cn = await this.get(id);
    if (cn.state !== 'FINALIZED' || !cn.contractAgreement) throw new NotFound('ContractAgreement', id);
    return cn.contractAgreement;
  }

  /** Moves a negotiation to `to` with its one event; finalizing makes the agreement, stored with it. */
  transition(id: string, to: NegotiationState, details: TransitionDetails = {}): Promise<ContractNegotiation> {
    return this.lifecycle.transition(
      id,
      to,
      details,
      (next) => (to === 'FINALIZED' ? this.withAgreement(next) : next),
      (next) => (to === 'FINALIZED' && next.contractAgreement ? this.agreements.record(next.contractAgreement, id) : undefined),
    );
  }

  /**
   * EDC's delete: only a TERMINATED negotiation without an agreement goes (409 otherwise, 404
   * unknown). Its ordered lanes go with it, so a new negotiation with the same id starts
   * afresh; what waited in them is sent on, unordered (docs/delivery.md, "Ordered endpoints").
   */
  async delete(id: string): Promise<void> {
    const released = await this.lifecycle.delete(id, (cn) =>
      cn.contractAgreement
        ? `Cannot delete ContractNegotiation [ID=${id}] - ContractAgreement already created.`
        : cn.state !== 'TERMINATED'
          ? `Cannot delete negotiation in state: ${cn.state}`
          : null,
    );
    // Best effort: a delivery not woken here runs at its own re-check and finds its lane gone.
    await this.lanes
      .released(released.held, released.waiting)
      .catch((err: Error) =>
        this.logger.warn(`Deliveries of deleted negotiation ${id} not woken (they run at their re-check): ${err.message}`),
      );
  }

  simulateStep(id: string, state: NegotiationState): Promise<void> {
    return this.lifecycle.simulateStep(id, state, (_current, next) => this.transition(id, next));
  }

  /** The agreement EDC's consumer gets from the provider: the offer's policy as a contract, assigned to us. */
  private withAgreement(cn: ContractNegotiation): ContractNegotiation {
    const agreement: ContractAgreement = {
      id: this.agreements.newId(cn.id),
      providerId: cn.counterPartyId,
      consumerId: this.config.participantId,
      contractSigningDate: Math.floor(cn.stateTimestamp / 1000),
      assetId: cn.offer.assetId,
      policy: { ...cn.offer.policy, assignee: this.config.participantId, '@type': { '@policytype': 'contract' } },
    };
    return { ...cn, contractAgreement: agreement, contractAgreementId: agreement.id };
  }
}
