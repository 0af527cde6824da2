import { Inject, Injectable } from '@nestjs/common';
import { envelopeJson, StreamEvent } from '@app/events';
import {
  attemptRecord,
  CallbackSender,
  DeliveryEndpoint,
  DeliveryJobData,
  deliveryJobId,
  DeliveryLog,
  matchingEndpoints,
} from '@app/delivery';
import { APP_CONFIG, AppConfig, eventTrace } from '@app/platform';
import { InvalidInput, TransactionalCallbackRefused } from '../domain/domain-errors';

/**
 * What an event must pass before the change it announces is committed:
 * - its envelope must fit `EVENT_MAX_BYTES` (400 otherwise), so no receiver is sent a body it
 *   cannot take and no queue holds one;
 * - every transactional callback it matches (static `_TRANSACTIONAL=true` ones and the
 *   object's own `transactional: true` addresses) is called now, in parallel, and must answer
 *   2xx; otherwise the change is refused (409 naming the callback and its error) and nothing
 *   is stored or emitted. These are EDC's semantics; the dispatcher skips transactional
 *   endpoints, so they are called once per change, here. Each call is in the delivery log.
 */
@Injectable()
export class EventGate {
  constructor(
    private readonly sender: CallbackSender,
    private readonly log: DeliveryLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async check(entry: StreamEvent): Promise<void> {
    const { envelope } = entry;
    const body = envelopeJson(envelope);
    const size = Buffer.byteLength(body);
    if (size > this.config.eventMaxBytes)
      throw new InvalidInput([
        {
          message: `The ${envelope.type} event would be ${size} bytes, above EVENT_MAX_BYTES (${this.config.eventMaxBytes})`,
          path: null,
          invalidValue: null,
        },
      ]);

    const endpoints = matchingEndpoints(envelope.type, this.config.staticCallbacks, entry.callbackAddresses, true);
    if (endpoints.length === 0) return;
    const failures = await Promise.all(endpoints.map((endpoint) => this.call(entry, body, endpoint)));
    const failed = failures.filter((f): f is string => f !== null);
    if (failed.length > 0)
      throw new TransactionalCallbackRefused(`Transactional callback failed, the change was not made: ${failed.join('; ')}`);
  }

  /** Calls one endpoint once; the reason it failed, or null. */
  private async call(entry: StreamEvent, body: string, endpoint: DeliveryEndpoint): Promise<string | null> {
    const { envelope, entity, sequence } = entry;
    // In the request's trace, as the event's deliveries will be.
    const data: DeliveryJobData = { eventId: envelope.id, eventType: envelope.type, entity, sequence, endpoint, trace: eventTrace() };
    const at = Date.now();
    const outcome = await this.sender.send(data, body);
    const status = outcome.ok ? 'delivered' : 'failed';
    // Each try of a change announces a new event, so this delivery has no record yet: it is
    // written with plain commands, reading nothing.
    const attempt = attemptRecord(1, at, outcome, status);
    await this.log.recordAttempts([{ id: deliveryJobId(envelope.id, endpoint.uri), data, attempt, status, first: true }]);
    return outcome.ok ? null : `${endpoint.uri}: ${outcome.error}`;
  }
}
