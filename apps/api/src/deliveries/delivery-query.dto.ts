import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, registerDecorator } from 'class-validator';
import { DELIVERY_STATUSES, DeliveryStatus } from '@app/delivery';

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

/** `GET /management/v1/deliveries` query: filters (combinable) and paging. */
export class DeliveryQueryDto {
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

  /** Deliveries to skip, newest first; default 0, at most 2147483647. */
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
