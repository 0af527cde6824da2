import type { AttemptOutcome } from '@app/delivery';
import { DispatchConfig } from '@app/platform';
import { replicaBusy } from './replica-load';

/**
 * What an attempt says about its endpoint (one URI) and its host (scheme, host, port):
 * - `up`: 2xx; both are well;
 * - `down`: the host answered, but the endpoint is unwell (5xx, 429): a failure of the endpoint,
 *   and proof that the host is reachable;
 * - `unreachable`: no answer at all (connect error, reset, timeout): a failure of both;
 * - `answered`: another status (3xx, 4xx, 410): nothing about the endpoint, the host is reachable;
 * - `neutral`: nothing about either (no request was made, or our own side failed).
 */
export type Health = 'up' | 'down' | 'unreachable' | 'answered' | 'neutral';

/** The health an attempt's outcome reports to the guard. */
export function healthOf(outcome: Pick<AttemptOutcome, 'ok' | 'final' | 'status'>): Health {
  if (outcome.ok) return 'up';
  // No status: either nothing was sent (refused destination, missing secret: final) or no answer came.
  if (outcome.status === undefined) return outcome.final ? 'neutral' : 'unreachable';
  return outcome.status >= 500 || outcome.status === 429 ? 'down' : 'answered';
}

export type Admission =
  { admitted: true; release(health: Health, now?: number): void } | { admitted: false; retryInMs: number; reason: string };

type Verdict = 'success' | 'failure' | 'none';
const ENDPOINT_VERDICT: Record<Health, Verdict> = {
  up: 'success',
  down: 'failure',
  unreachable: 'failure',
  answered: 'none',
  neutral: 'none',
};
const HOST_VERDICT: Record<Health, Verdict> = {
  up: 'success',
  down: 'success',
  unreachable: 'failure',
  answered: 'success',
  neutral: 'none',
};

/** Consecutive failures; open from `threshold` on until `openUntil`, then half-open. */
interface Circuit {
  failures: number;
  openUntil: number;
  /** When it opened after being closed (it stays the same while it re-opens from half-open). */
  openedAt?: number;
  /** The attempt let through as the half-open probe, while it is in flight: only it settles the circuit. */
  probe?: Slot;
}

/** One attempt in flight: it holds a slot of its endpoint and one of its host. */
interface Slot {
  since: number;
  endpoint: EndpointState;
  host: HostState;
}

interface EndpointState {
  /** Key of `hosts`: looked up on each admission (a host state can be forgotten while this one is idle). */
  hostKey: string;
  slots: Set<Slot>;
  /** Attempts it may have in flight now: from `initialWindow` up to the endpoint's limit, one more per answer. */
  window: number;
  /** Jobs waiting in-process for a slot (of this endpoint or its host). */
  waiting: number;
  circuit: Circuit;
  /** Moving average of attempt latency; undefined until one finished. */
  latencyMs?: number;
  /** When an attempt last ended (epoch ms; 0: never): a waiter waits on while this moves. */
  releasedAt: number;
}

interface Waiter {
  endpoint: EndpointState;
  /** Waiting for a host slot (its endpoint had room), rather than for one of its endpoint's. */
  forHost: boolean;
  resolve(slot: Slot | null): void;
}

interface HostState {
  slots: Set<Slot>;
  /** Jobs of this host's endpoints waiting in-process, first come first served. */
  waiters: Waiter[];
  circuit: Circuit;
  /** When an attempt to this host last ended (epoch ms; 0: never). */
  releasedAt: number;
}

/** How soon a host slot must be expected to free for a job to wait for it (see `hostSlotSoon`). */
export const SLOT_WAIT_MS = 250;
/**
 * The longest expected wait a job takes in-process rather than parked: its place among the
 * endpoint's waiters times the endpoint's pace (latency over its slots). It bounds the replica's
 * slots a slow endpoint's waiters hold (one at 1 s a call: one waiter per slot) while a fast
 * one's backlog waits whole. Also how long a waiting job may see no slot freed before it is
 * parked (while slots keep freeing, it waits on, up to the attempt timeout).
 */
export const QUEUE_WAIT_MS = 1000;
/** Idle endpoints (and hosts) remembered, for their latency and circuit; the least recently used are forgotten. */
const REMEMBERED = 10_000;
/** The smallest window an endpoint starts with (see `initialWindow`). */
const MIN_INITIAL_WINDOW = 4;

/** `scheme://host:port` with the default port made explicit; the URI itself if it does not parse. */
export function hostKeyOf(uri: string): string {
  try {
    const url = new URL(uri);
    const port = url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');
    return `${url.protocol}//${url.hostname}:${port}`;
  } catch {
    return uri;
  }
}

/** A circuit that is not closed, as EndpointGuard.openCircuits lists it. */
export interface OpenCircuit {
  endpoint: string;
  scope: 'endpoint' | 'host';
  state: 'open' | 'half-open';
  /** When it opened (epoch ms). */
  since: number;
}

export type GuardConfig = Pick<
  DispatchConfig,
  'endpointConcurrency' | 'hostConcurrency' | 'circuitFailureThreshold' | 'circuitOpenMs' | 'timeoutMs'
>;

/**
 * Keeps one endpoint, or one host, from taking the others down, per dispatcher replica and in
 * memory (no Redis round trip on the hot path). An endpoint is one callback URI; its host is
 * its scheme, host and port.
 * - bulkhead: at most `DISPATCH_ENDPOINT_CONCURRENCY` attempts in flight to one endpoint, and at
 *   most `DISPATCH_HOST_CONCURRENCY` to one host whatever its number of URIs. A job beyond that
 *   waits here for a slot when its turn is expected soon (within QUEUE_WAIT_MS, from the
 *   endpoint's latency and the jobs ahead of it), which costs a busy healthy endpoint nothing;
 *   otherwise it is parked at once, so a slow or dead endpoint or host holds only its own slots;
 * - circuits, one per endpoint and one per host: after `CIRCUIT_FAILURE_THRESHOLD` consecutive
 *   failures a circuit is open for `CIRCUIT_OPEN_MS`; the deliveries it covers wait without
 *   using an attempt; then one probe goes through (half-open): success closes it, anything else
 *   opens it again. An endpoint's circuit counts every failure (5xx, 429, no answer); its
 *   host's counts only attempts with no answer (connect errors, timeouts), and any answer from
 *   any of its URIs resets it: one URI's 5xx never holds back its neighbours, a dead host does.
 *   Only the probe settles a half-open circuit: an attempt admitted before the circuit opened
 *   (stale) that ends later counts as a failure, but neither closes nor re-opens it.
 * Parked deliveries come back with jitter, so that they do not return all at once.
 */
export class EndpointGuard {
  private readonly endpoints = new Map<string, EndpointState>();
  private readonly hosts = new Map<string, HostState>();

  constructor(
    private readonly config: GuardConfig,
    private readonly random = Math.random,
    private readonly busy = replicaBusy(),
  ) {}

  async admit(uri: string, now = Date.now()): Promise<Admission> {
    const endpoint = this.endpointState(uri);
    const host = this.hostState(endpoint.hostKey);
    const closed = this.isClosed(host.circuit) && this.isClosed(endpoint.circuit);
    if (!closed) {
      const refusal = this.circuitRefusal(host.circuit, now, 'host circuit') ?? this.circuitRefusal(endpoint.circuit, now, 'circuit');
      if (refusal) return refusal;
    }

    const endpointFull = endpoint.slots.size >= endpoint.window;
    const hostFull = host.slots.size >= this.config.hostConcurrency;
    if (!endpointFull && !hostFull) return this.grant(endpoint, host, now);
    // A probe never waits: the slots it would wait for belong to attempts admitted before the circuit opened.
    if (closed) {
      const soon = endpointFull ? this.isFast(endpoint, now) : this.hostSlotSoon(host, now);
      const handedOver = soon ? await this.slotFreed(host, endpoint, !endpointFull) : null;
      if (handedOver) return this.admission(handedOver);
    }
    const reason = endpointFull ? 'endpoint at its concurrency limit' : 'host at its concurrency limit';
    return this.refuse(Math.min(this.config.timeoutMs, 1000), reason);
  }

  /**
   * Each circuit that is not closed (for metrics, the delivery console and tests): an endpoint's
   * URI, or a host's `scheme://host:port`, with the time it opened.
   */
  openCircuits(now = Date.now()): OpenCircuit[] {
    const list = (map: Map<string, { circuit: Circuit }>, scope: 'endpoint' | 'host') =>
      [...map]
        .filter(([, s]) => !this.isClosed(s.circuit))
        .map(([endpoint, s]) => ({
          endpoint,
          scope,
          state: now < s.circuit.openUntil && !s.circuit.probe ? ('open' as const) : ('half-open' as const),
          since: s.circuit.openedAt ?? now,
        }));
    return [...list(this.hosts, 'host'), ...list(this.endpoints, 'endpoint')];
  }

  private isClosed(circuit: Circuit): boolean {
    return circuit.failures < this.config.circuitFailureThreshold;
  }

  /** Why an open or half-open circuit lets nothing through now; undefined if it lets a probe through. */
  private circuitRefusal(circuit: Circuit, now: number, name: string): Admission | undefined {
    if (this.isClosed(circuit)) return undefined;
    if (now < circuit.openUntil) return this.refuse(circuit.openUntil - now, `${name} open`);
    if (circuit.probe) return this.refuse(this.config.timeoutMs, `${name} half-open, probe in flight`);
    return undefined;
  }

  private endpointState(uri: string): EndpointState {
    let state = this.endpoints.get(uri);
    if (state) this.endpoints.delete(uri);
    else
      state = {
        hostKey: hostKeyOf(uri),
        slots: new Set(),
        window: this.initialWindow(),
        waiting: 0,
        circuit: { failures: 0, openUntil: 0 },
        releasedAt: 0,
      };
    // Most recently used last, so that forget() drops the least recently used.
    this.endpoints.set(uri, state);
    this.forget(this.endpoints, uri, (s) => s.slots.size === 0 && s.waiting === 0);
    return state;
  }

  private hostState(key: string): HostState {
    let state = this.hosts.get(key);
    if (state) this.hosts.delete(key);
    else state = { slots: new Set(), waiters: [], circuit: { failures: 0, openUntil: 0 }, releasedAt: 0 };
    this.hosts.set(key, state);
    this.forget(this.hosts, key, (s) => s.slots.size === 0 && s.waiters.length === 0);
    return state;
  }

  /**
   * Slow start, as TCP's: an endpoint the replica has not heard from may have a tenth of its
   * limit in flight (at least MIN_INITIAL_WINDOW), and one more for each attempt answered, so its
   * window doubles with every round trip until the limit. A healthy endpoint gets there within a
   * few round trips (a fast one in milliseconds); a dead one, whose attempts end only at the
   * timeout, holds its first window instead of the whole limit (100 of the replica's 500 slots
   * at the defaults, which cost the other endpoints a fifth of their rate: bench scenario e).
   */
  private initialWindow(): number {
    const limit = this.config.endpointConcurrency;
    return Math.min(limit, Math.max(MIN_INITIAL_WINDOW, Math.ceil(limit / 10)));
  }

  // Worth waiting for: no attempt in flight has run past QUEUE_WAIT_MS, and this job's slot is
  // expected within it (its place among the waiters, times the latency over the slots). On a
  // replica whose event loop is saturated, ages and latencies are mostly its own queueing:
  // parking would only add a queue round to its work, so a job waits unless an attempt in
  // flight has run into the attempt timeout (and, waiting, is parked if no slot frees).
  private isFast(state: EndpointState, now: number): boolean {
    let oldest = now;
    for (const slot of state.slots) oldest = Math.min(oldest, slot.since);
    if (this.busy()) return now - oldest < this.config.timeoutMs;
    const latency = state.latencyMs ?? now - oldest;
    return now - oldest < QUEUE_WAIT_MS && ((state.waiting + 1) * latency) / state.slots.size <= QUEUE_WAIT_MS;
  }

  // A host slot is about to free: one waiter per attempt in flight to a fast endpoint that has
  // not run long yet. A host kept full by slow attempts parks its jobs at once instead of
  // letting them hold the replica's slots while they wait.
  private hostSlotSoon(host: HostState, now: number): boolean {
    let soon = 0;
    for (const slot of host.slots) {
      const latency = slot.endpoint.latencyMs;
      if (now - slot.since < SLOT_WAIT_MS && (latency === undefined || latency < SLOT_WAIT_MS)) soon++;
    }
    return host.waiters.filter((w) => w.forHost).length < soon;
  }

  /**
   * Waits for a slot of `endpoint` (or of its host, `forHost`) for as long as such slots keep
   * freeing: parked only after QUEUE_WAIT_MS with none freed, or at the attempt timeout. A fixed
   * 250 ms wait parked a third to all of a backlog to one fast endpoint (400 jobs behind its 100
   * slots, on a busy replica), and each parked job cost a queue round (add, delay, fetch,
   * complete) for a slot that was coming: more work on a replica that had too much already.
   */
  private slotFreed(host: HostState, endpoint: EndpointState, forHost: boolean): Promise<Slot | null> {
    const giveUpAt = Date.now() + this.config.timeoutMs;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        endpoint,
        forHost,
        resolve: (slot) => {
          clearTimeout(timer);
          endpoint.waiting--;
          resolve(slot);
        },
      };
      const check = () => {
        const now = Date.now();
        const freedAt = forHost ? host.releasedAt : endpoint.releasedAt;
        // A circuit opened meanwhile hands no freed slot on (see `settle`): parked at this check.
        const closed = this.isClosed(endpoint.circuit) && this.isClosed(host.circuit);
        if (closed && now - freedAt < QUEUE_WAIT_MS && now < giveUpAt) {
          timer = setTimeout(check, Math.min(freedAt + QUEUE_WAIT_MS, giveUpAt) - now);
          return;
        }
        host.waiters.splice(host.waiters.indexOf(waiter), 1);
        endpoint.waiting--;
        resolve(null);
      };
      let timer = setTimeout(check, Math.min(QUEUE_WAIT_MS, this.config.timeoutMs));
      endpoint.waiting++;
      host.waiters.push(waiter);
    });
  }

  private grant(endpoint: EndpointState, host: HostState, now: number): Admission {
    const slot = this.occupy(endpoint, host, now);
    // Admitted through a half-open circuit: this attempt is its probe.
    if (!this.isClosed(endpoint.circuit)) endpoint.circuit.probe = slot;
    if (!this.isClosed(host.circuit)) host.circuit.probe = slot;
    return this.admission(slot);
  }

  private occupy(endpoint: EndpointState, host: HostState, now: number): Slot {
    const slot: Slot = { since: now, endpoint, host };
    endpoint.slots.add(slot);
    host.slots.add(slot);
    return slot;
  }

  private admission(slot: Slot): Admission {
    let released = false;
    return {
      admitted: true,
      release: (health, now = Date.now()) => {
        if (released) return;
        released = true;
        this.settle(slot, health, now);
      },
    };
  }

  private settle(slot: Slot, health: Health, now: number): void {
    const { endpoint, host } = slot;
    const elapsed = Math.max(0, now - slot.since);
    endpoint.latencyMs = endpoint.latencyMs === undefined ? elapsed : 0.8 * endpoint.latencyMs + 0.2 * elapsed;
    // Any answer shows the endpoint answers in time (see `initialWindow`); a 5xx is its circuit's business.
    if (HOST_VERDICT[health] === 'success') endpoint.window = Math.min(this.config.endpointConcurrency, endpoint.window + 1);
    this.settleCircuit(endpoint.circuit, slot, ENDPOINT_VERDICT[health], now);
    this.settleCircuit(host.circuit, slot, HOST_VERDICT[health], now);
    endpoint.slots.delete(slot);
    host.slots.delete(slot);
    endpoint.releasedAt = now;
    host.releasedAt = now;

    // The freed slot goes straight to the first waiting job that may use it (so no newcomer can
    // take it in between), unless a circuit is open: then waiters are parked at their next check.
    if (!this.isClosed(host.circuit)) return;
    const index = host.waiters.findIndex((w) => this.isClosed(w.endpoint.circuit) && w.endpoint.slots.size < w.endpoint.window);
    if (index < 0) return;
    const [waiter] = host.waiters.splice(index, 1);
    waiter.resolve(this.occupy(waiter.endpoint, host, now));
  }

  private settleCircuit(circuit: Circuit, slot: Slot, verdict: Verdict, now: number): void {
    if (circuit.probe === slot) {
      circuit.probe = undefined;
      if (verdict === 'success') {
        circuit.failures = 0;
        circuit.openedAt = undefined;
      } else {
        // A failed probe, or one that says nothing (a 4xx, our own error): another period.
        if (verdict === 'failure') circuit.failures++;
        circuit.openUntil = now + this.config.circuitOpenMs;
      }
      return;
    }
    if (!this.isClosed(circuit)) {
      // A stale attempt, admitted before the circuit opened: counted, but only the probe settles it.
      if (verdict === 'failure') circuit.failures++;
      return;
    }
    if (verdict === 'success') circuit.failures = 0;
    if (verdict === 'failure' && ++circuit.failures >= this.config.circuitFailureThreshold) {
      circuit.openUntil = now + this.config.circuitOpenMs;
      circuit.openedAt = now;
    }
  }

  /**
   * Memory stays bounded: beyond REMEMBERED entries, the least recently used idle ones are
   * forgotten, whatever their circuit (a forgotten open circuit costs at most a threshold of
   * attempts again). Entries in use are at most the attempts in flight and waiting.
   */
  private forget<S>(map: Map<string, S>, using: string, idle: (state: S) => boolean): void {
    if (map.size <= REMEMBERED) return;
    for (const [key, state] of map) {
      if (map.size <= REMEMBERED) return;
      if (key !== using && idle(state)) map.delete(key);
    }
  }

  private refuse(waitMs: number, reason: string): Admission {
    return { admitted: false, retryInMs: Math.round(waitMs * (1 + 0.2 * this.random())), reason };
  }
}
