import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { EVENT_TYPES, EventType, filterNameOf, matchesEventFilters } from '@app/events';
import { APP_CONFIG, AppConfig, EndpointOptions } from '@app/platform';
import { DeliveryEndpoint } from '../delivery-job';
import { DisabledState, EndpointDefinition, EndpointOrigin } from './endpoint-definition';
import { EndpointStore } from './endpoint-store';

/** What an attempt needs to know of a static or registered endpoint, as this replica sees it now. */
export interface EndpointSettings extends EndpointOptions {
  id: string;
  origin: EndpointOrigin;
  uri: string;
  authKey?: string;
  authCodeId?: string;
  disabled: DisabledState | null;
  /** A registered endpoint's own signing secrets (absent: the global ones). */
  signers?: { webhook: Webhook; expiresAt?: number }[];
}

/** A registered endpoint deleted since its delivery was matched. */
export const DELETED = 'deleted';

const NONE: readonly DeliveryEndpoint[] = Object.freeze([]);
/** The outbox is looked at this often (in polls) even when nothing changed, in case its relay died. */
const OUTBOX_CHECK_EVERY = 40;
/** Everything is read again this often (in polls: a minute at 250 ms), whatever the version says. */
const RECONCILE_EVERY = 240;

/**
 * Each replica's picture of the static and registered endpoints, kept in memory so the hot path
 * asks Redis nothing: which registered endpoints each event type goes to (computed when they
 * change, not per event), and each endpoint's settings (uri, auth, options, disabled state).
 *
 * Changes reach it within `ENDPOINT_POLL_INTERVAL` (250 ms): it reads the version counter, and
 * when that moved, only the endpoints changed since (see EndpointStore); everything, when it is
 * further behind than the changes kept. A read that fails is tried again at the next tick. Every 240 polls, and whenever the counter went back (Redis lost
 * writes), it reads everything again (a reconcile). A matched delivery keeps its endpoint's id, so what changes while
 * it waits (uri, auth, secrets, limits, disabled) applies to its next attempt.
 */
@Injectable()
export class EndpointRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('EndpointRegistry');
  private readonly statics = new Map<string, EndpointSettings>();
  private readonly registered = new Map<string, Registered>();
  private readonly disabled = new Map<string, DisabledState>();
  private byType = new Map<EventType, DeliveryEndpoint[]>();
  private anyOrdered = false;
  private version = -1;
  private timer?: NodeJS.Timeout;
  private polls = 0;
  private polling?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly store: EndpointStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    for (const cb of config.staticCallbacks) this.statics.set(cb.id, sendingSettings(cb, 'config', null));
  }

  async onModuleInit(): Promise<void> {
    // Events are matched only once this replica knows the endpoints: it waits for Redis.
    for (;;) {
      try {
        await this.refresh();
        break;
      } catch (err) {
        this.logger.warn(`Could not read the registered endpoints, trying again: ${(err as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  /** The registered endpoints an event of `type` goes to (disabled ones too: their deliveries wait). */
  registeredFor(type: EventType): readonly DeliveryEndpoint[] {
    return this.byType.get(type) ?? NONE;
  }

  /** True when some registered endpoint is ordered (the commit must then join lanes for it). */
  hasOrdered(): boolean {
    return this.anyOrdered;
  }

  /** The endpoint's settings now; undefined for a dynamic address; DELETED for a registered one gone. */
  settingsOf(endpoint: DeliveryEndpoint): EndpointSettings | typeof DELETED | undefined {
    if (endpoint.staticId !== undefined) return this.statics.get(endpoint.staticId);
    if (endpoint.registeredId !== undefined) return this.registered.get(endpoint.registeredId)?.settings ?? DELETED;
    return undefined;
  }

  /** A static endpoint's settings by id (undefined: no such one in this replica's configuration). */
  staticSettings(id: string): EndpointSettings | undefined {
    return this.statics.get(id);
  }

  /** How many static (`config`) and registered endpoints this replica knows, by state: `callback_endpoints`. */
  countsByState(): { source: EndpointOrigin; state: 'enabled' | 'disabled'; count: number }[] {
    const counts = { config: { enabled: 0, disabled: 0 }, registered: { enabled: 0, disabled: 0 } };
    for (const settings of this.statics.values()) counts.config[settings.disabled ? 'disabled' : 'enabled']++;
    for (const { settings } of this.registered.values()) counts.registered[settings.disabled ? 'disabled' : 'enabled']++;
    return (['config', 'registered'] as const).flatMap((source) =>
      (['enabled', 'disabled'] as const).map((state) => ({ source, state, count: counts[source][state] })),
    );
  }

  /** Reads what changed now (after a write of this replica, so it applies it at once). */
  refresh(): Promise<void> {
    this.polling ??= this.poll().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.refresh()
        .catch((err: Error) => this.logger.warn(`Could not read endpoint changes: ${err.message}`))
        .finally(() => this.schedule());
    }, this.config.endpoints.pollMs);
  }

  private async poll(): Promise<void> {
    let moved: boolean;
    if (this.version < 0 || ++this.polls % RECONCILE_EVERY === 0) {
      const { version, definitions, disabled } = await this.store.all();
      this.registered.clear();
      this.disabled.clear();
      for (const definition of definitions) this.registered.set(definition.id, registeredOf(definition));
      for (const [id, state] of disabled) this.disabled.set(id, state);
      this.version = version;
      moved = true;
    } else {
      const changes = await this.store.changesSince(this.version);
      // Behind what this replica saw: Redis lost writes (a failover, a restart without its
      // data). Everything is read again at once rather than waiting for the count to catch up.
      // So too when this replica fell behind the changes that are kept (it could miss one).
      if (changes.reload || changes.version < this.version) {
        this.version = -1;
        return this.poll();
      }
      const { version, changed } = changes;
      for (const { id, definition, disabled } of changed) {
        if (disabled) this.disabled.set(id, disabled);
        else this.disabled.delete(id);
        if (definition) this.registered.set(id, registeredOf(definition));
        else this.registered.delete(id);
      }
      moved = changed.length > 0;
      this.version = Math.max(this.version, version);
    }
    if (moved) this.rebuild();
    // The outbox's trouble is not the registry's: its entries wait for the next try.
    if (moved || this.polls % OUTBOX_CHECK_EVERY === 0)
      await this.store.relayOutbox().catch((err: Error) => this.logger.warn(`Could not relay endpoint events: ${err.message}`));
  }

  // What the hot path reads, made again whenever anything changed: a walk over the endpoints,
  // each with the event types it matches worked out when it changed.
  private rebuild(): void {
    for (const [id, settings] of this.statics) settings.disabled = this.disabled.get(id) ?? null;
    const byType = new Map<EventType, DeliveryEndpoint[]>();
    let anyOrdered = false;
    for (const { definition, settings, endpoint, types } of this.registered.values()) {
      settings.disabled = this.disabled.get(definition.id) ?? null;
      anyOrdered ||= definition.ordered === true;
      for (const type of types) {
        const list = byType.get(type);
        if (list) list.push(endpoint);
        else byType.set(type, [endpoint]);
      }
    }
    this.byType = byType;
    this.anyOrdered = anyOrdered;
  }
}

/** A registered endpoint as the registry holds it: its settings, its delivery endpoint, the types it matches. */
interface Registered {
  definition: EndpointDefinition;
  settings: EndpointSettings;
  endpoint: DeliveryEndpoint;
  types: EventType[];
}

function registeredOf(definition: EndpointDefinition): Registered {
  return {
    definition,
    settings: settingsOf(definition, null),
    endpoint: {
      uri: definition.uri,
      authKey: definition.authKey,
      authCodeId: definition.authCodeId,
      registeredId: definition.id,
      ...(definition.ordered ? { onFailure: definition.onFailure ?? 'continue' } : {}),
    },
    types: EVENT_TYPES.filter((type) => matchesEventFilters(definition.events, filterNameOf(type))),
  };
}

/** What sending to an endpoint needs of it, static or registered alike. */
function sendingSettings(
  endpoint: Omit<EndpointSettings, 'origin' | 'disabled' | 'signers'>,
  origin: EndpointOrigin,
  disabled: DisabledState | null,
): EndpointSettings {
  const { id, uri, authKey, authCodeId, rateLimit, oauth2, clientCertificateAlias, caCertificateAlias } = endpoint;
  return { id, origin, uri, authKey, authCodeId, rateLimit, oauth2, clientCertificateAlias, caCertificateAlias, disabled };
}

function settingsOf(definition: EndpointDefinition, disabled: DisabledState | null): EndpointSettings {
  const { signingSecrets } = definition;
  return {
    ...sendingSettings(definition, 'registered', disabled),
    ...(signingSecrets?.length
      ? { signers: signingSecrets.map(({ secret, expiresAt }) => ({ webhook: new Webhook(secret), expiresAt })) }
      : {}),
  };
}
