import { Injectable } from '@nestjs/common';
import { TransferRequestDto } from '@app/events';
import { AppMetrics } from '@app/platform';
import { CallbackAddressPolicy } from '../callback-addresses/callback-address.policy';
import { EventGate } from '../event-gate/event-gate.service';
import { EntityLifecycle, initialFields, TransitionDetails } from '../lifecycle/entity-lifecycle';
import { StateStore } from '../state-store/state-store.service';
import { TRANSFER_MACHINE, TransferProcess, TransferState } from './transfer-process';
import { transferProcessEvent } from './transfer-process.events';

@Injectable()
export class TransferProcessesService {
  private readonly lifecycle: EntityLifecycle<TransferState, TransferProcess>;

  constructor(
    store: StateStore,
    metrics: AppMetrics,
    gate: EventGate,
    private readonly callbacks: CallbackAddressPolicy,
  ) {
    this.lifecycle = new EntityLifecycle(TRANSFER_MACHINE, store, metrics, gate, transferProcessEvent);
  }

  async create(request: TransferRequestDto): Promise<TransferProcess> {
    const callbackAddresses = this.callbacks.fromRequest(request.callbackAddresses, request.callbackAddress);
    return this.lifecycle.create({
      ...initialFields(request['@id']),
      counterPartyAddress: request.counterPartyAddress,
      protocol: request.protocol,
      contractId: request.contractId,
      assetId: request.assetId,
      transferType: request.transferType,
      dataDestination: request.dataDestination ? { ...request.dataDestination } : undefined,
      privateProperties: request.privateProperties,
      managedResources: request.managedResources,
      callbackAddresses,
    });
  }

  get(id: string): Promise<TransferProcess> {
    return this.lifecycle.get(id);
  }

  /** Moves a transfer to `to` and emits its one event, or answers 409 when EDC forbids it. */
  transition(id: string, to: TransferState, details: TransitionDetails = {}): Promise<TransferProcess> {
    return this.lifecycle.transition(id, to, details, (next) =>
      details.dataAddress ? { ...next, dataAddress: details.dataAddress } : next,
    );
  }

  /** The simulated counterparty's reaction to `id` having reached `state`. */
  simulateStep(id: string, state: TransferState): Promise<void> {
    return this.lifecycle.simulateStep(id, state, (current, next) =>
      this.transition(id, next, next === 'STARTED' ? { dataAddress: simulatedDataAddress(current) } : {}),
    );
  }
}

function simulatedDataAddress(tp: TransferProcess): Record<string, unknown> {
  return {
    '@type': 'DataAddress',
    type: 'https://w3id.org/idsa/v4.1/HTTP',
    endpoint: `${tp.counterPartyAddress.replace(/\/+$/, '')}/public`,
    endpointType: 'https://w3id.org/idsa/v4.1/HTTP',
  };
}
