import { DispatchConfig } from '@app/platform';

/** What an attempt says about its endpoint's health. */
export type Health = 'up' | 'down' | 'neutral';

export type Admission =
  | { admitted: true; release(health: Health): void }
  | { admitted: false; retryInMs: number; reason: string };

interface EndpointState {
  inFlight: number;
  failures: number;
  openUntil: number;
  probing: boolean;
}

/**
 * Keeps one endpoint from taking the others down, per dispatcher replica and in memory (no
 * Redis round trip on the hot path):
 * - bulkhead: at most `DISPATCH_ENDPOINT_CONCURRENCY` attempts in flight to one endpoint, so a
 *   slow one can hold only that many of the replica's slots;
 * - circuit: after `CIRCUIT_FAILURE_THRESHOLD` consecutive failures (network error, timeout,
 *   5xx, 429) the endpoint is open for `CIRCUIT_OPEN_MS`; its deliveries wait without using an
 *   attempt; then one probe goes through (half-open): success closes it, failure opens it again.
 * A refused delivery is parked with jitter so that parked jobs do not return all at once.
 */
export class EndpointGuard {
  private readonly endpoints = new Map<string, EndpointState>();

  constructor(
    private readonly config: Pick<DispatchConfig, 'endpointConcurrency' | 'circuitFailureThreshold' | 'circuitOpenMs' | 'timeoutMs'>,
    private readonly random = Math.random,
  ) {}

  admit(endpoint: string, now = Date.now()): Admission {
    const state = this.endpoints.get(endpoint) ?? { inFlight: 0, failures: 0, openUntil: 0, probing: false };
    if (state.failures >= this.config.circuitFailureThreshold) {
      if (now < state.openUntil) return this.refuse(state.openUntil - now, 'circuit open');
      if (state.probing) return this.refuse(this.config.timeoutMs, 'circuit half-open, probe in flight');
      state.probing = true;
    } else if (state.inFlight >= this.config.endpointConcurrency) {
      return this.refuse(Math.min(this.config.timeoutMs, 1000), 'endpoint at its concurrency limit');
    }
    state.inFlight++;
    this.endpoints.set(endpoint, state);
    let released = false;
    return {
      admitted: true,
      release: (health) => {
        if (released) return;
        released = true;
        this.settle(endpoint, state, health);
      },
    };
  }

  /** The circuit of each endpoint that is not closed (for metrics and tests). */
  openCircuits(now = Date.now()): { endpoint: string; state: 'open' | 'half-open' }[] {
    return [...this.endpoints]
      .filter(([, s]) => s.failures >= this.config.circuitFailureThreshold)
      .map(([endpoint, s]) => ({ endpoint, state: now < s.openUntil && !s.probing ? 'open' : 'half-open' }));
  }

  private settle(endpoint: string, state: EndpointState, health: Health): void {
    state.inFlight--;
    const wasProbe = state.probing;
    state.probing = false;
    if (health === 'up') state.failures = 0;
    if (health === 'down') {
      state.failures++;
      if (state.failures >= this.config.circuitFailureThreshold) state.openUntil = Date.now() + this.config.circuitOpenMs;
    }
    if (health === 'neutral' && wasProbe) state.openUntil = Date.now() + this.config.circuitOpenMs;
    // Memory stays bounded by the endpoints that are busy or unhealthy right now.
    if (state.inFlight === 0 && state.failures === 0) this.endpoints.delete(endpoint);
  }

  private refuse(waitMs: number, reason: string): Admission {
    return { admitted: false, retryInMs: Math.round(waitMs * (1 + 0.2 * this.random())), reason };
  }
}
