import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS, redisKey } from '@app/platform';
import { maskUri } from '../uri-mask';

/** A circuit that is not closed in one dispatcher replica, as the delivery console shows it. */
export interface CircuitState {
  /** The endpoint's URI, or the host's `scheme://host:port`, masked (uri-mask.ts). */
  endpoint: string;
  scope: 'endpoint' | 'host';
  state: 'open' | 'half-open';
  /** When it opened (epoch ms). */
  since: number;
  /** The dispatcher replica it is open in (circuits are per replica). */
  replica: string;
}

/** How often a dispatcher with circuits that are not closed tells Redis of them. */
export const CIRCUITS_PUBLISH_MS = 1000;
/** A replica's circuits not told again for this long are its last words (it stopped or died): not shown. */
const STALE_MS = 5 * CIRCUITS_PUBLISH_MS;
/** At most this many circuits per replica are kept: the console's page and each read stay bounded. */
export const CIRCUITS_KEPT = 100;

/**
 * Owns `{cbsvc}:circuits`, a hash of each dispatcher replica's circuits that are not closed
 * (replica -> {at, circuits} JSON). The circuits themselves live in each dispatcher's memory
 * (EndpointGuard: no Redis on the hot path); this is their copy for the delivery console, told
 * once a second while there are any, and removed when there are none. URIs are masked before
 * they are written: Redis gets no other copy of a token in a callback URL.
 */
@Injectable()
export class CircuitStateStore {
  private readonly key: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.key = redisKey(config, 'circuits');
  }

  /** `replica`'s circuits now; an empty list removes its entry. */
  async publish(replica: string, circuits: Omit<CircuitState, 'replica'>[], now = Date.now()): Promise<void> {
    if (circuits.length === 0) {
      await this.redis.hdel(this.key, replica);
      return;
    }
    const kept = [...circuits]
      .sort((a, b) => a.since - b.since)
      .slice(0, CIRCUITS_KEPT)
      .map((c) => ({ ...c, endpoint: maskUri(c.endpoint) }));
    await this.redis.hset(this.key, replica, JSON.stringify({ at: now, circuits: kept }));
  }

  /** Every replica's circuits that are not closed, longest open first; entries gone stale are removed. */
  async all(now = Date.now()): Promise<CircuitState[]> {
    const entries = await this.redis.hgetall(this.key);
    const stale: string[] = [];
    const circuits: CircuitState[] = [];
    for (const [replica, json] of Object.entries(entries)) {
      const { at, circuits: list } = JSON.parse(json) as { at: number; circuits: Omit<CircuitState, 'replica'>[] };
      if (now - at > STALE_MS) stale.push(replica);
      else for (const c of list) circuits.push({ ...c, replica });
    }
    if (stale.length > 0) await this.redis.hdel(this.key, ...stale);
    return circuits.sort((a, b) => a.since - b.since);
  }
}
