import { CallbackAddress, EventType, filterNameOf, matchesEventFilters, OnFailure } from '@app/events';
import { StaticCallback } from '@app/platform';
import { DeliveryEndpoint } from './delivery-job';

/**
 * The endpoints an event goes to, transactional ones or the others: every static callback whose
 * filters match (they see every event), then the registered endpoints of its type (already
 * matched by the EndpointRegistry; never transactional), then the dynamic callback addresses of
 * the object the event is about; a URI named twice counts once. The api calls the transactional
 * ones before it commits a change; the dispatcher delivers the rest.
 */
export function matchingEndpoints(
  type: EventType,
  staticCallbacks: StaticCallback[],
  dynamic: CallbackAddress[],
  transactional: boolean,
  registered: readonly DeliveryEndpoint[] = [],
): DeliveryEndpoint[] {
  const name = filterNameOf(type);
  const matches = (cb: CallbackAddress) => cb.transactional === transactional && matchesEventFilters(cb.events, name);
  const endpoints: DeliveryEndpoint[] = [
    ...staticCallbacks
      .filter(matches)
      .map((cb) => ({ uri: cb.uri, authKey: cb.authKey, authCodeId: cb.authCodeId, staticId: cb.id, ...orderOf(cb) })),
    ...(transactional ? [] : registered),
    ...dynamic.filter(matches).map((cb) => ({ uri: cb.uri, authKey: cb.authKey, authCodeId: cb.authCodeId, ...orderOf(cb) })),
  ];
  const seen = new Set<string>();
  return endpoints.filter((e) => !seen.has(e.uri) && seen.add(e.uri));
}

// Only ordered endpoints carry it, so the jobs of the others keep their shape.
function orderOf(cb: CallbackAddress): { onFailure?: OnFailure } {
  return cb.ordered === true ? { onFailure: cb.onFailure ?? 'continue' } : {};
}
