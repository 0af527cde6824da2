import { CallbackAddress, StreamEvent } from '@app/events';
import { Partition, partitionKey, Partitions, StaticCallback } from '@app/platform';
import { deliveryJobId, endpointIdOf } from '../delivery-job';
import { matchingEndpoints } from '../matching-endpoints';
import type { EndpointRegistry } from '../endpoints/endpoint-registry';

/** One ordered delivery of an event: the lane it joins at commit, and its place there. */
export interface LaneJoin {
  key: string;
  deliveryId: string;
}

/** The lane of (object, endpoint): a Redis list of delivery ids, in the object's partition. */
export function laneKey(partitions: Partitions, entityId: string, uri: string): string {
  return partitionKey(partitions.of(entityId), 'lane', entityId, endpointIdOf(uri));
}

/** The sorted set of a partition's lanes held behind a dead letter, by when they were held. */
export function heldLanesKey(partition: Partition): string {
  return partitionKey(partition, 'lane-index', 'held');
}

/**
 * The lanes an event joins when it is committed: one per ordered endpoint it matches (static
 * callbacks with `_ORDERED=true`, registered endpoints and the object's addresses with
 * `ordered: true`), by the rule the
 * dispatcher delivers by. Returns the event as the stream must hold it (with `lanes`, which tells
 * the dispatcher which of its deliveries wait their turn) and the joins for the commit script.
 * An event with no ordered endpoint comes back as it is, with no join: unordered costs nothing.
 */
export function joinLanes(
  job: StreamEvent,
  staticCallbacks: StaticCallback[],
  partitions: Partitions,
  registered?: EndpointRegistry,
): { job: StreamEvent; joins: LaneJoin[] } {
  const registeredOrdered = registered?.hasOrdered() === true;
  if (!registeredOrdered && !staticCallbacks.some(isOrdered) && !job.callbackAddresses.some(isOrdered)) return { job, joins: [] };
  const fromRegistry = registeredOrdered ? registered!.registeredFor(job.envelope.type) : [];
  const ordered = matchingEndpoints(job.envelope.type, staticCallbacks, job.callbackAddresses, false, fromRegistry).filter(
    (e) => e.onFailure !== undefined,
  );
  if (ordered.length === 0) return { job, joins: [] };
  const lanes: StreamEvent['lanes'] = {};
  for (const endpoint of ordered) lanes[endpointIdOf(endpoint.uri)] = endpoint.onFailure!;
  return {
    // Assigned, not spread: a spread followed by a new key is V8's slow path (see newEntity).
    job: Object.assign({}, job, { lanes }),
    joins: ordered.map((endpoint) => ({
      key: laneKey(partitions, job.entity.id, endpoint.uri),
      deliveryId: deliveryJobId(job.envelope.id, endpoint.uri),
    })),
  };
}

const isOrdered = (address: CallbackAddress) => address.ordered === true;
