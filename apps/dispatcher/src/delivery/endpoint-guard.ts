import { DispatchConfig } from '@app/platform';

/** What an attempt says about its endpoint's health. */
export type Health = 'up' | 'down' | 'neutral';

export type Admission =
  | { admitted: true; release(health: Health): void }
  | { admitted: false; retryInMs: number; reason: string };

/** One attempt's hold on an endpoint; handed straight to a waiting job when it ends. */
interface Slot {
  since: number;
}

interface EndpointState {
  slots: Set<Slot>;
  waiters: ((slot: Slot | null) => void)[];
  failures: number;
  openUntil: number;
  probing: boolean;
  /** Moving average of attempt latency; undefined until one finished. */
  latencyMs?: number;
}

/** How long a job may wait in-process for a fast endpoint's slot before it is parked. */
export const SLOT_WAIT_MS = 250;
/** Idle endpoints remembered (for their latency); the least recently used are forgotten. */
const REMEMBERED = 10_000;

/**
 * Keeps one endpoint from taking the others down, per dispatcher replica and in memory (no
 * Redis round trip on the hot path):
 * - bulkhead: at most `DISPATCH_ENDPOINT_CONCURRENCY` attempts in flight to one endpoint. A job
 *   beyond that waits here for a slot (up to SLOT_WAIT_MS) if the endpoint answers fast, which
 *   costs a busy healthy endpoint nothing; if it is slow (its attempts take longer than that,
 *   or the ones in flight already have) the job is parked instead, so a dead endpoint holds
 *   only its own slots;
 * - circuit: after `CIRCUIT_FAILURE_THRESHOLD` consecutive failures (network error, timeout,
 *   5xx, 429) the endpoint is open for `CIRCUIT_OPEN_MS`; its deliveries wait without using an
 *   attempt; then one probe goes through (half-open): success closes it, failure opens it again.
 * Parked deliveries come back with jitter, so that they do not return all at once.
 */
export class EndpointGuard {
  private readonly endpoints = new Map<string, EndpointState>();

  constructor(
    private readonly config: Pick<DispatchConfig, 'endpointConcurrency' | 'circuitFailureThreshold' | 'circuitOpenMs' | 'timeoutMs'>,
    private readonly random = Math.random,
  ) {}

  async admit(endpoint: string, now = Date.now()): Promise<Admission> {
    const state = this.state(endpoint);
    if (state.failures >= this.config.circuitFailureThreshold) {
      if (now < state.openUntil) return this.refuse(state.openUntil - now, 'circuit open');
      if (state.probing) return this.refuse(this.config.timeoutMs, 'circuit half-open, probe in flight');
      state.probing = true;
      return this.grant(endpoint, state, { since: now });
    }
    if (state.slots.size < this.config.endpointConcurrency) return this.grant(endpoint, state, { since: now });
    const handedOver = this.isFast(state, now) ? await this.slotFreed(state) : null;
    if (handedOver) return this.grant(endpoint, state, handedOver);
    return this.refuse(Math.min(this.config.timeoutMs, 1000), 'endpoint at its concurrency limit');
  }

  /** The circuit of each endpoint that is not closed (for metrics and tests). */
  openCircuits(now = Date.now()): { endpoint: string; state: 'open' | 'half-open' }[] {
    return [...this.endpoints]
      .filter(([, s]) => s.failures >= this.config.circuitFailureThreshold)
      .map(([endpoint, s]) => ({ endpoint, state: now < s.openUntil && !s.probing ? 'open' : 'half-open' }));
  }

  private state(endpoint: string): EndpointState {
    let state = this.endpoints.get(endpoint);
    if (!state) {
      state = { slots: new Set(), waiters: [], failures: 0, openUntil: 0, probing: false };
      this.endpoints.set(endpoint, state);
      this.forgetIdle();
    }
    return state;
  }

  // Fast: recent attempts finished within the wait, and none in flight has run that long yet.
  private isFast(state: EndpointState, now: number): boolean {
    const oldest = Math.min(...[...state.slots].map((slot) => slot.since));
    return now - oldest < SLOT_WAIT_MS && (state.latencyMs === undefined || state.latencyMs < SLOT_WAIT_MS);
  }

  private slotFreed(state: EndpointState): Promise<Slot | null> {
    return new Promise((resolve) => {
      const waiter = (slot: Slot | null) => {
        clearTimeout(timer);
        resolve(slot);
      };
      const timer = setTimeout(() => {
        state.waiters.splice(state.waiters.indexOf(waiter), 1);
        resolve(null);
      }, SLOT_WAIT_MS);
      state.waiters.push(waiter);
    });
  }

  private grant(endpoint: string, state: EndpointState, slot: Slot): Admission {
    state.slots.add(slot);
    let released = false;
    return {
      admitted: true,
      release: (health) => {
        if (released) return;
        released = true;
        this.settle(endpoint, state, slot, health);
      },
    };
  }

  private settle(endpoint: string, state: EndpointState, slot: Slot, health: Health): void {
    const elapsed = Date.now() - slot.since;
    state.latencyMs = state.latencyMs === undefined ? elapsed : 0.8 * state.latencyMs + 0.2 * elapsed;
    const wasProbe = state.probing;
    state.probing = false;
    if (health === 'up') state.failures = 0;
    if (health === 'down') {
      state.failures++;
      if (state.failures >= this.config.circuitFailureThreshold) state.openUntil = Date.now() + this.config.circuitOpenMs;
    }
    if (health === 'neutral' && wasProbe) state.openUntil = Date.now() + this.config.circuitOpenMs;

    // The slot goes straight to a waiting job (so no newcomer can take it in between), unless
    // the circuit just opened: then waiters time out and park.
    const waiter = state.failures < this.config.circuitFailureThreshold ? state.waiters.shift() : undefined;
    if (waiter) {
      slot.since = Date.now();
      waiter(slot);
      return;
    }
    state.slots.delete(slot);
    // Most recently used last, so forgetIdle drops the least recently used.
    this.endpoints.delete(endpoint);
    this.endpoints.set(endpoint, state);
  }

  /** Memory stays bounded: beyond REMEMBERED endpoints, idle healthy ones are forgotten. */
  private forgetIdle(): void {
    if (this.endpoints.size <= REMEMBERED) return;
    for (const [endpoint, s] of this.endpoints) {
      if (this.endpoints.size <= REMEMBERED) return;
      if (s.slots.size === 0 && s.waiters.length === 0 && s.failures === 0) this.endpoints.delete(endpoint);
    }
  }

  private refuse(waitMs: number, reason: string): Admission {
    return { admitted: false, retryInMs: Math.round(waitMs * (1 + 0.2 * this.random())), reason };
  }
}
