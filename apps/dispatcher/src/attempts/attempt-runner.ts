import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import {
  AttemptOutcome,
  CallbackSender,
  DELETED,
  DeliveryJobData,
  EndpointHealth,
  EndpointRateLimiter,
  EndpointRegistry,
  EndpointSettings,
  NextStep,
  RetryPolicy,
} from '@app/delivery';
import { perUri } from '@app/events';
import { APP_CONFIG, AppConfig, AppMetrics, SpanHandle, startSpan } from '@app/platform';
import { EndpointGuard, healthOf, OpenCircuit } from './endpoint-guard';

const ENDPOINT_DELETED: AttemptOutcome = {
  ok: false,
  final: true,
  latencyMs: 0,
  error: 'The registered endpoint was deleted; nothing was sent',
};

/** A registered endpoint's delivery as its endpoint is now (a PUT may have changed its uri or auth). */
function withCurrentEndpoint(delivery: DeliveryJobData, settings: EndpointSettings): DeliveryJobData {
  const { uri, authKey, authCodeId } = settings;
  // Assigned: the auth fields may be new keys, and a spread followed by new keys is V8's slow path.
  return { ...delivery, endpoint: Object.assign({}, delivery.endpoint, { uri, authKey, authCodeId }) };
}

/** What one try of a delivery came to. */
export type AttemptResult =
  /** The endpoint's bulkhead or circuit said wait: nothing was sent, no attempt used. */
  | { kind: 'parked'; retryInMs: number; reason: string }
  /** Made: what the retry policy says comes next (`retryInMs` when retrying). */
  | ({ kind: 'attempted'; at: number; outcome: AttemptOutcome } & NextStep);

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
  // Only for the attempt's span (tracing on): the origin, never the path or query.
  private readonly originOf = perUri((uri) => (URL.canParse(uri) ? new URL(uri).origin : 'invalid'));

  constructor(
    private readonly sender: CallbackSender,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: AppMetrics,
    pino: PinoLogger,
    private readonly registry: EndpointRegistry,
    private readonly limiter: EndpointRateLimiter,
    private readonly health: EndpointHealth,
    private readonly policy: RetryPolicy,
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

  /** A try that waits without using an attempt, counted by why (`callback_deliveries_parked_total`). */
  private parked(retryInMs: number, reason: string, why: 'endpoint_disabled' | 'circuit' | 'concurrency' | 'rate_limit'): AttemptResult {
    this.metrics.deliveriesParked.inc({ reason: why });
    return { kind: 'parked', retryInMs, reason };
  }

  /** The endpoints and hosts whose circuit is open or half-open in this replica. */
  openCircuits(): OpenCircuit[] {
    return this.guard.openCircuits();
  }

  /**
   * Attempt number `attempt` (1 = first) of `delivery` with `body`. Throws only when our side
   * fails (Redis, reading the secret): that says nothing about the endpoint.
   */
  async run(deliveryId: string, job: DeliveryJobData, body: string, attempt: number): Promise<AttemptResult> {
    // A static or registered endpoint's settings now (a dynamic address has none): nothing more
    // is asked of Redis unless it has a rate limit.
    const settings = this.registry.settingsOf(job.endpoint);
    if (settings === DELETED) return this.ended(deliveryId, job, attempt, ENDPOINT_DELETED);
    if (settings?.disabled) return this.parked(this.config.endpoints.disabledRecheckMs, 'endpoint disabled', 'endpoint_disabled');
    const delivery = settings?.origin === 'registered' ? withCurrentEndpoint(job, settings) : job;
    const admission = await this.guard.admit(delivery.endpoint.uri);
    if (!admission.admitted)
      return this.parked(admission.retryInMs, admission.reason, admission.reason.includes('circuit') ? 'circuit' : 'concurrency');
    const at = Date.now();
    let span: SpanHandle | undefined;
    let outcome: AttemptOutcome;
    try {
      if (settings?.rateLimit !== undefined) {
        const waitMs = await this.limiter.waitMs(settings.id, settings.rateLimit);
        if (waitMs > 0) {
          admission.release('neutral');
          // Spread, so that the deliveries waiting for the same endpoint do not all come back at once.
          return this.parked(Math.round(waitMs + Math.random() * 1000), 'endpoint rate limit', 'rate_limit');
        }
      }
      // Each attempt is a span of the delivery's trace (tracing on), and sends its own traceparent.
      span = startSpan('delivery attempt', delivery.trace, this.spanAttributes(delivery, attempt), 'client');
      outcome = await this.sender.send(span ? { ...delivery, trace: span.trace } : delivery, body, settings);
    } catch (err) {
      admission.release('neutral');
      span?.end((err as Error).message);
      throw err;
    }
    const health = healthOf(outcome);
    admission.release(health);
    if (settings && health !== 'neutral') this.health.observe(settings, outcome.ok);
    return this.ended(deliveryId, delivery, attempt, outcome, at, span);
  }

  private ended(
    deliveryId: string,
    delivery: DeliveryJobData,
    attempt: number,
    outcome: AttemptOutcome,
    at = Date.now(),
    span?: SpanHandle,
  ): AttemptResult {
    const step = this.policy.next(outcome, attempt);
    const { status } = step;
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
    return { kind: 'attempted', at, outcome, ...step };
  }
}
