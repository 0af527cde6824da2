import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, registerDecorator } from 'class-validator';
import { DELIVERY_STATUSES, DeliveryStatus } from '@app/delivery';
import { EVENT_TYPES, EventType } from '@app/events';
import { StrictParams } from '../http/strict-params';

export const DEFAULT_DELIVERIES_LIMIT = 50;
export const MAX_DELIVERIES_LIMIT = 1000;
/** Far past any log's size; larger numbers (1e21, 1e300) would reach Redis in exponent form. */
export const MAX_DELIVERIES_OFFSET = 2_147_483_647;

/**
 * Query parameters arrive as strings: a string that reads as a number becomes that number;
 * anything else stays as sent, so the error echoes what the client sent (`"abc"`, not NaN).
 */
const toNumber = () =>
  Transform(({ value }) => (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value));

/** One rule, one message: an integer within [min, max]. */
function IsIntegerWithin(min: number, max: number): PropertyDecorator {
  const range = `an integer from ${min} to ${max}`;
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isIntegerWithin',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must be ${range}` },
      validator: {
        validate: (value: unknown) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max,
      },
    });
}

/**
 * A time as epoch milliseconds (`1767225600000`) or ISO 8601 (`2026-01-01T00:00:00Z`), read as
 * epoch ms; anything else stays as sent, for the error to echo.
 */
export const toTime = () =>
  Transform(({ value }) => {
    if (typeof value !== 'string' || value.trim() === '') return value;
    if (/^\d+$/.test(value)) return Number(value);
    const iso = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? Date.parse(value) : NaN;
    return Number.isFinite(iso) ? iso : value;
  });

export function IsTime(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isTime',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a time: epoch milliseconds or ISO 8601 (2026-01-01T00:00:00Z)' },
      validator: { validate: (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0 },
    });
}

/** An absolute http(s) URI (`uri`) or origin (`origin`: scheme, host and port, nothing after). */
export function IsEndpoint(kind: 'uri' | 'origin'): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isEndpoint',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message:
          kind === 'uri'
            ? '$property must be an absolute http or https URI, as the callback address names it'
            : '$property must be an origin: scheme, host and optional port (https://hooks.example:8443)',
      },
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string' || !URL.canParse(value)) return false;
          const url = new URL(value);
          if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
          return kind === 'uri' || url.origin === value.replace(/\/$/, '');
        },
      },
    });
}

/** Filters on the endpoint and the event that recover shares with the list (all combine). */
export class EndpointFilterDto {
  /** The endpoint's full URI, exactly as the callback address names it. */
  @IsOptional()
  @IsEndpoint('uri')
  uri?: string;

  /** Every endpoint of one origin (`https://hooks.example:8443`): one receiver, all its URIs. */
  @IsOptional()
  @IsEndpoint('origin')
  origin?: string;

  /** The event type, e.g. `TransferProcessStarted`. */
  @IsOptional()
  @IsIn(EVENT_TYPES, { message: `$property must be one of ${EVENT_TYPES.join(', ')}` })
  eventType?: EventType;
}

/** `GET /management/v1/deliveries` query: filters (combinable) and paging. An unknown parameter is a 400. */
@StrictParams()
export class DeliveryQueryDto extends EndpointFilterDto {
  /** Created at or after this time: epoch ms or ISO 8601. */
  @IsOptional()
  @toTime()
  @IsTime()
  since?: number;

  /** Created at or before this time: epoch ms or ISO 8601. */
  @IsOptional()
  @toTime()
  @IsTime()
  until?: number;

  /** The event id (the `webhook-id` a receiver saw). */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  eventId?: string;

  /** The negotiation or transfer (or inbound callback) the event is about. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  entityId?: string;

  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: `$property must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: DeliveryStatus;

  /** Where the page starts: the `cursor` of the previous page's `Link: <...>; rel="next"` (also `X-Next-Cursor`). */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  cursor?: string;

  /** Deliveries to skip, newest first; default 0, at most 2147483647 (without the filters above and without a cursor). */
  @IsOptional()
  @toNumber()
  @IsIntegerWithin(0, MAX_DELIVERIES_OFFSET)
  offset?: number;

  /** Page size; default 50, at most 1000. */
  @IsOptional()
  @toNumber()
  @IsIntegerWithin(0, MAX_DELIVERIES_LIMIT)
  limit?: number;
}
