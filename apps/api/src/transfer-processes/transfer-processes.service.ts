import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { TransferRequestDto } from '@app/events';
import { CallbackAddressPolicy } from '../callback-addresses/callback-address.policy';
import { EdcException } from '../http/edc-error';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import { StateStore } from '../state-store/state-store.service';
import { canTransition, SIMULATED_NEXT, TransferProcess, TransferState, TransitionDetails } from './transfer-process';
import { transferProcessEvent } from './transfer-process.events';

const KIND = 'transferprocess';
const MAX_WRITE_RACES = 10;

@Injectable()
export class TransferProcessesService {
  constructor(
    private readonly store: StateStore,
    private readonly relay: OutboxRelay,
    private readonly callbacks: CallbackAddressPolicy,
  ) {}

  async create(request: TransferRequestDto): Promise<TransferProcess> {
    const callbackAddresses = this.callbacks.fromRequest(request.callbackAddresses, request.callbackAddress);
    const now = Date.now();
    const tp: TransferProcess = {
      id: request['@id'] ?? randomUUID(),
      type: 'CONSUMER',
      state: 'INITIAL',
      stateTimestamp: now,
      createdAt: now,
      version: 1,
      eventSequence: 1,
      counterPartyAddress: request.counterPartyAddress,
      protocol: request.protocol,
      contractId: request.contractId,
      assetId: request.assetId,
      transferType: request.transferType,
      dataDestination: request.dataDestination ? { ...request.dataDestination } : undefined,
      privateProperties: request.privateProperties,
      managedResources: request.managedResources,
      callbackAddresses,
    };
    if (!(await this.store.create(KIND, tp, transferProcessEvent(tp))))
      throw EdcException.conflict(`A transfer process with ID=${tp.id} already exists`);
    this.relay.kick();
    return tp;
  }

  async get(id: string): Promise<TransferProcess> {
    const tp = await this.store.get<TransferProcess>(KIND, id);
    if (!tp) throw EdcException.notFound('TransferProcess', id);
    return tp;
  }

  /** Moves a transfer to `to` and emits its one event, or answers 409 when EDC forbids it. */
  async transition(id: string, to: TransferState, details: TransitionDetails = {}): Promise<TransferProcess> {
    for (let race = 0; race < MAX_WRITE_RACES; race++) {
      const current = await this.get(id);
      if (!canTransition(current.state, to))
        throw EdcException.conflict(`Transfer process ${id} cannot move from ${current.state} to ${to}`);
      const next: TransferProcess = {
        ...current,
        state: to,
        stateTimestamp: Date.now(),
        version: current.version + 1,
        eventSequence: current.eventSequence + 1,
        ...(details.dataAddress ? { dataAddress: details.dataAddress } : {}),
        ...(to === 'TERMINATED' && details.reason !== undefined ? { errorDetail: details.reason } : {}),
      };
      if (await this.store.transition(KIND, current, next, transferProcessEvent(next, details))) {
        this.relay.kick();
        return next;
      }
    }
    throw EdcException.conflict(`Transfer process ${id} is being changed concurrently; try again`);
  }

  /** The simulated counterparty's reaction to `id` having reached `state`, if it is still there. */
  async simulateStep(id: string, state: TransferState): Promise<void> {
    const next = SIMULATED_NEXT[state];
    const current = next && (await this.store.get<TransferProcess>(KIND, id));
    if (!next || !current || current.state !== state) return;
    const details = next === 'STARTED' ? { dataAddress: simulatedDataAddress(current) } : {};
    await this.transition(id, next, details).catch((err) => {
      // Someone else moved it on meanwhile: the simulation has nothing left to do here.
      if (!(err instanceof EdcException && err.getStatus() === 409)) throw err;
    });
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
