import { createHash } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one app, on a registry of its own (not prom-client's global one,
 * so several apps can live in one process, as in the tests). Names start with `callback_`.
 * Nothing secret goes into a label: endpoints appear as their host and a short hash of the
 * full URI (a path or query may hold a token).
 */
export class AppMetrics {
  readonly registry = new Registry();

  readonly eventsAccepted = new Counter({
    name: 'callback_events_accepted_total',
    help: 'Events committed with their state change (appended to the event stream), by event type',
    labelNames: ['type'],
    registers: [this.registry],
  });

  readonly deliveries = new Counter({
    name: 'callback_delivery_attempts_total',
    help: 'Delivery attempts by outcome: delivered, retrying (failed, will retry) or failed (dead-lettered)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  readonly attemptSeconds = new Histogram({
    name: 'callback_delivery_attempt_duration_seconds',
    help: 'Duration of one delivery attempt, from the request to the end of the reply or the error',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly queueJobs = new Gauge({
    name: 'callback_queue_jobs',
    help: 'Jobs in each queue by state, read when scraped',
    labelNames: ['queue', 'state'],
    registers: [this.registry],
  });

  readonly eventStream = new Gauge({
    name: 'callback_event_stream_entries',
    help: 'Events of the event stream per consumer group: lag (not yet read) and pending (read, not yet done), read when scraped',
    labelNames: ['group', 'state'],
    registers: [this.registry],
  });

  readonly partitionQueueJobs = new Gauge({
    name: 'callback_partition_queue_jobs',
    help: 'Jobs of each partition queue (deliveries.p03) by state, read when scraped; callback_queue_jobs is their sum',
    labelNames: ['queue', 'partition', 'state'],
    registers: [this.registry],
  });

  readonly partitionEventStream = new Gauge({
    name: 'callback_partition_event_stream_entries',
    help: "Entries of each partition's event stream per consumer group, lag and pending, read when scraped; callback_event_stream_entries is their sum",
    labelNames: ['group', 'partition', 'state'],
    registers: [this.registry],
  });

  readonly circuit = new Gauge({
    name: 'callback_endpoint_circuit_state',
    help: 'Circuit of each endpoint, or host (scheme://host:port), that is not closed in this replica: 1 half-open, 2 open (closed ones are not listed)',
    labelNames: ['endpoint_host', 'endpoint_id'],
    registers: [this.registry],
  });

  readonly heldSequences = new Gauge({
    name: 'callback_held_sequences',
    help: 'Ordered sequences (object, endpoint) held behind a dead letter of an onFailure=hold endpoint until it is retried or skipped, read when scraped',
    registers: [this.registry],
  });

  readonly deliveriesRecovered = new Counter({
    name: 'callback_deliveries_recovered_total',
    help: 'Dead letters sent again by a bulk recover (POST /management/v1/deliveries/recover or the delivery console), counted as each batch goes',
    registers: [this.registry],
  });

  readonly endpoints = new Gauge({
    name: 'callback_endpoints',
    help: 'Static (source=config) and registered endpoints by state (enabled, disabled), as this replica knows them, read when scraped',
    labelNames: ['source', 'state'],
    registers: [this.registry],
  });

  readonly deliveriesParked = new Counter({
    name: 'callback_deliveries_parked_total',
    help: 'Delivery tries that waited without using an attempt, by reason: rate_limit (the endpoint is over its rate limit), endpoint_disabled, circuit (open, or half-open with its probe in flight), concurrency (endpoint or host bulkhead full)',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  readonly oauth2TokenRequests = new Counter({
    name: 'callback_oauth2_token_requests_total',
    help: 'OAuth2 client-credentials token requests of this replica by outcome: issued, refused (the token endpoint answered an error, or no token), unreachable (no answer), not_sent (the token URL refused by the address policy, or the client secret missing)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  readonly storeUnavailable = new Counter({
    name: 'callback_store_unavailable_total',
    help: 'Requests or jobs refused because Redis could not take a command: out-of-memory (refusing writes) or unreachable',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry });
  }
}

/** Labels naming an endpoint without revealing its path or query. */
export function endpointLabels(uri: string): { endpoint_host: string; endpoint_id: string } {
  let host = 'invalid';
  try {
    host = new URL(uri).host;
  } catch {
    // keep "invalid"
  }
  return { endpoint_host: host, endpoint_id: createHash('sha256').update(uri).digest('hex').slice(0, 12) };
}
