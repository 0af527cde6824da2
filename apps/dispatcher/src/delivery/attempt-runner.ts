import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { AttemptOutcome, AttemptRecord, CallbackSender, DeliveryJobData, deliveryStatusAfter, perUri } from '@app/delivery';
import { APP_CONFIG, AppConfig, AppMetrics, startSpan } from '@app/platform';
import { EndpointGuard, healthOf } from './endpoint-guard';

/** What one try of a delivery came to. */
export type AttemptResult =
  /** The endpoint's bulkhead or circuit said wait: nothing was sent, no attempt used. */
  | { kind: 'parked'; retryInMs: number; reason: string }
  | { kind: 'attempted'; at: number; outcome: AttemptOutcome; status: AttemptRecord['outcome'] };

/**
 * One attempt of one delivery, the same for a first attempt taken straight from the event stream
 * and for a retry run by the deliveries queue: the endpoint guard (one per replica, so both
 * paths share its bulkheads and circuits), the POST, the outcome as a delivery status, the log
 * line and the metrics. Recording it is the caller's, so that it can batch.
 */
@Injectable()
export class AttemptRunner {
  // pino itself, not Nest's Logger over nestjs-pino: those layers copied the line twice and
  // cost about as much as the write (docs/performance.md), on a line per delivery.
  private readonly lines: Pino;
  private readonly guard: EndpointGuard;
  /** Each endpoint's host for the log line, parsed once per URI. */
  private readonly hostOf = perUri((uri) => (URL.canParse(uri) ? new URL(uri).host : 'invalid'));
  /** Each endpoint's origin for its spans (not the URI: its path or query may hold a token). */
  private readonly originOf = perUri((uri) => (URL.canParse(uri) ? new URL(uri).origin : 'invalid'));

  constructor(
    private readonly sender: CallbackSender,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: AppMetrics,
    pino: PinoLogger,
  ) {
    this.guard = new EndpointGuard(config.dispatch);
    this.lines = pino.logger.child({ context: 'Delivery' });
  }

  private spanAttributes(delivery: DeliveryJobData, attempt: number) {
    return {
      'http.request.method': 'POST',
      'delivery.endpoint.origin': this.originOf(delivery.endpoint.uri),
      'messaging.message.id': delivery.eventId,
      'delivery.event_type': delivery.eventType,
      'delivery.attempt': attempt,
    };
  }

  /** The endpoints and hosts whose circuit is open or half-open in this replica. */
  openCircuits() {
    return this.guard.openCircuits();
  }

  /**
   * Attempt number `attempt` (1 = first) of `delivery` with `body`. Throws only when our side
   * fails (Redis, reading the secret): that says nothing about the endpoint.
   */
  async run(deliveryId: string, delivery: DeliveryJobData, body: string, attempt: number): Promise<AttemptResult> {
    const admission = await this.guard.admit(delivery.endpoint.uri);
    if (!admission.admitted) return { kind: 'parked', retryInMs: admission.retryInMs, reason: admission.reason };
    const at = Date.now();
    // Each attempt is a span of the delivery's trace (tracing on), and sends its own traceparent.
    const span = startSpan('delivery attempt', delivery.trace, this.spanAttributes(delivery, attempt), 'client');
    let outcome: AttemptOutcome;
    try {
      outcome = await this.sender.send(span ? { ...delivery, trace: span.trace } : delivery, body);
    } catch (err) {
      admission.release('neutral');
      span?.end((err as Error).message);
      throw err;
    }
    admission.release(healthOf(outcome));
    const status = deliveryStatusAfter(outcome, attempt, this.config.dispatch.maxAttempts);
    if (span) {
      span.setAttributes({ 'delivery.outcome': status, ...(outcome.status ? { 'http.response.status_code': outcome.status } : {}) });
      span.end(outcome.ok ? undefined : outcome.error);
    }
    // One line per attempt: ids, host (not the URI: its path or query may hold a token), outcome.
    const line = {
      msg: 'delivery attempt',
      eventId: delivery.eventId,
      deliveryId,
      eventType: delivery.eventType,
      endpointHost: this.hostOf(delivery.endpoint.uri),
      attempt,
      outcome: status,
      status: outcome.status,
      latencyMs: outcome.latencyMs,
      ...(outcome.error ? { error: outcome.error } : {}),
    };
    if (outcome.ok) this.lines.info(line);
    else this.lines.warn(line);
    this.metrics.deliveries.inc({ outcome: status });
    this.metrics.attemptSeconds.observe({ outcome: status }, outcome.latencyMs / 1000);
    return { kind: 'attempted', at, outcome, status };
  }
}
