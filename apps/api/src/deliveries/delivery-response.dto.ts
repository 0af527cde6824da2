import { DeliveryRecord, DeliveryStatus, endpointIdOf, maskUri } from '@app/delivery';

/** One HTTP attempt of a delivery. */
export class AttemptResponseDto {
  /** Which series of attempts (1, then +1 for each retry of the dead letter). */
  series!: number;
  /** 1-based within its series. */
  attempt!: number;
  /** When it started, epoch ms. */
  at!: number;
  /** The reply's HTTP status, when one came. */
  status?: number;
  latencyMs!: number;
  /** What went wrong, when it did; a secret the receiver echoed is masked. */
  error?: string;
  /** The first 1 KiB of the reply; a secret the receiver echoed is masked. */
  response?: string;
  outcome!: 'delivered' | 'retrying' | 'failed';
}

/** Where the delivery went: the URI with its secrets masked (`***`), and the endpoint's id. */
export class DeliveryEndpointDto {
  /** The endpoint URI with user info, credential query values and token-like path segments masked. */
  uri!: string;
  /** 16 hex of the SHA-256 of the full URI: the same endpoint has the same id everywhere. */
  id!: string;
  /** The static callback's id (`EDC_CALLBACK_<ID>_*`), for a static one. */
  staticId?: string;
}

export class DeliveryEntityDto {
  kind!: 'contractnegotiation' | 'transferprocess' | 'callback' | 'endpoint';
  id!: string;
}

/** A delivery: one event to one endpoint, with its attempts. */
export class DeliveryResponseDto {
  /** The delivery id (`<event id>.<endpoint id>`), also its job id in Bull Board. */
  id!: string;
  /** The event id, the `webhook-id` the receiver saw. */
  eventId!: string;
  eventType!: string;
  entity!: DeliveryEntityDto;
  endpoint!: DeliveryEndpointDto;
  status!: DeliveryStatus;
  /** The current series of attempts. */
  series!: number;
  createdAt!: number;
  updatedAt!: number;
  /** Its last 50 attempts, oldest first. */
  attempts!: AttemptResponseDto[];
}

/** `202` of a recover: how many dead letters were sent again. */
export class RecoverResponseDto {
  recovered!: number;
}

/** A delivery as every surface shows it: its endpoint's secrets masked. */
export function deliveryResponse(record: DeliveryRecord): DeliveryResponseDto {
  const { uri, staticId } = record.endpoint;
  const endpoint: DeliveryEndpointDto = { uri: maskUri(uri), id: endpointIdOf(uri), ...(staticId === undefined ? {} : { staticId }) };
  return { ...record, endpoint };
}
