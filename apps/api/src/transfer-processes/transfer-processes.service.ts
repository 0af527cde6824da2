import { Injectable } from '@nestjs/common';
import { AppMetrics } from '@app/platform';
import { CallbackAddressPolicy } from '../callback-addresses/callback-address.policy';
import { ContractAgreementStore } from '../contract-agreements/contract-agreement.store';
import { EventGate } from '../event-gate/event-gate.service';
import { InvalidInput, InvalidRequest } from '../domain/domain-errors';
import { readBody } from '../http/validate-body';
import { EntityLifecycle, newEntity, TransitionDetails } from '../lifecycle/entity-lifecycle';
import { StateStore } from '../state-store/state-store.service';
import { TRANSFER_MACHINE, TransferProcess, TransferState } from './transfer-process';
import { transferProcessEvent } from './transfer-process.events';
import { plainTransferRequest } from './plain-transfer-request';
import { isPush, TransferRequestDto } from './transfer-request.dto';

/** What `?callbackURL=` of a transfer create listens to: all of its events. */
const TRANSFER_EVENTS = ['transfer.process'];

@Injectable()
export class TransferProcessesService {
  private readonly lifecycle: EntityLifecycle<TransferState, TransferProcess>;

  constructor(
    store: StateStore,
    metrics: AppMetrics,
    gate: EventGate,
    private readonly callbacks: CallbackAddressPolicy,
    private readonly agreements: ContractAgreementStore,
  ) {
    this.lifecycle = new EntityLifecycle(TRANSFER_MACHINE, store, metrics, gate, transferProcessEvent);
  }

  /**
   * EDC's `initiateTransfer`: the agreement must exist (400 as EDC answers), and gives the asset.
   * `callbackUrl` is Metamug's `?callbackURL=`: one more address for every transfer event.
   * Every problem of the body and its addresses is in one 400.
   */
  async create(body: unknown, callbackUrl?: unknown): Promise<TransferProcess> {
    const { dto: request, problems } = await readBody(TransferRequestDto, body, { fastPath: plainTransferRequest });
    const callbackAddresses = this.callbacks.collect(
      { addresses: request.callbackAddresses, shorthand: request.callbackAddress, queryUrl: callbackUrl, queryEvents: TRANSFER_EVENTS },
      problems,
    );
    if (problems.length > 0) throw new InvalidInput(problems);
    const agreement = await this.agreements.find(request.contractId);
    if (!agreement) throw new InvalidRequest(`Contract agreement with id ${request.contractId} not found`);
    return this.lifecycle.create(
      newEntity(request['@id'], {
        counterPartyAddress: request.counterPartyAddress,
        protocol: request.protocol,
        contractId: request.contractId,
        assetId: agreement.assetId,
        transferType: request.transferType,
        dataDestination: request.dataDestination ? withoutType(request.dataDestination) : undefined,
        privateProperties: request.privateProperties,
        managedResources: request.managedResources,
        callbackAddresses,
      }),
    );
  }

  get(id: string): Promise<TransferProcess> {
    return this.lifecycle.get(id);
  }

  /** Moves a transfer to `to` and emits its one event, or answers 409 when EDC forbids it. */
  transition(id: string, to: TransferState, details: TransitionDetails = {}): Promise<TransferProcess> {
    return this.lifecycle.transition(id, to, details, (next) =>
      details.dataAddress ? Object.assign({}, next, { dataAddress: withoutType(details.dataAddress) }) : next,
    );
  }

  /**
   * The simulated counterparty's reaction to `id` having reached `state`. As with EDC's data
   * plane, a PUSH transfer completes once the data is sent, and a PULL one stays STARTED until
   * the consumer completes or terminates it (the provider cannot know when it is done).
   */
  simulateStep(id: string, state: TransferState): Promise<void> {
    return this.lifecycle.simulateStep(id, state, async (current, next) => {
      if (next === 'COMPLETED' && !isPush(current.transferType)) return;
      await this.transition(id, next, next === 'STARTED' ? { dataAddress: simulatedDataAddress(current) } : {});
    });
  }
}

/** The JSON-LD `@type` of a data address says only "DataAddress"; its `type` property is what counts. */
function withoutType(address: object): Record<string, unknown> {
  const { '@type': _type, ...rest } = address as Record<string, unknown>;
  return rest;
}

/** What a provider's DSP `TransferStartMessage` carries for an HTTP pull: where to fetch the data. */
function simulatedDataAddress(tp: TransferProcess): Record<string, unknown> {
  return {
    type: 'https://w3id.org/idsa/v4.1/HTTP',
    endpoint: `${tp.counterPartyAddress.replace(/\/+$/, '')}/public`,
    endpointType: 'https://w3id.org/idsa/v4.1/HTTP',
  };
}
