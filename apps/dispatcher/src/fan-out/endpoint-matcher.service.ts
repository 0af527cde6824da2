import { Inject, Injectable } from '@nestjs/common';
import { EventJobData, filterNameOf, matchesEventFilters } from '@app/events';
import { APP_CONFIG, AppConfig } from '@app/platform';
import { DeliveryEndpoint } from '@app/delivery';

/**
 * The endpoints an event goes to: every static callback whose filters match (they see every
 * event), then the dynamic callback addresses of the object the event is about. Transactional
 * ones are left out: the api called them before it committed the change.
 */
@Injectable()
export class EndpointMatcher {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  endpointsFor(event: EventJobData): DeliveryEndpoint[] {
    const name = filterNameOf(event.envelope.type);
    const endpoints: DeliveryEndpoint[] = [
      ...this.config.staticCallbacks
        .filter((cb) => !cb.transactional && matchesEventFilters(cb.events, name))
        .map((cb) => ({ uri: cb.uri, authKey: cb.authKey, authCodeId: cb.authCodeId, staticId: cb.id })),
      ...event.callbackAddresses
        .filter((cb) => !cb.transactional && matchesEventFilters(cb.events, name))
        .map((cb) => ({ uri: cb.uri, authKey: cb.authKey, authCodeId: cb.authCodeId })),
    ];
    const seen = new Set<string>();
    return endpoints.filter((e) => !seen.has(e.uri) && seen.add(e.uri));
  }
}
