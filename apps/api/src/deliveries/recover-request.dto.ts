import { IsDefined, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { StrictParams } from '../http/strict-params';
import { EndpointFilterDto, IsTime, toTime } from './delivery-query.dto';

/**
 * `POST /management/v1/deliveries/recover`: which dead letters to send again. `since` is
 * required (a recover covers a known outage); `until` defaults to now; the rest narrow.
 * Unknown fields are a 400.
 */
@StrictParams()
export class RecoverRequestDto extends EndpointFilterDto {
  /** The negotiation, transfer or inbound callback whose dead letters to send again. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  entityId?: string;

  /** Dead letters that failed at or after this time: epoch ms or ISO 8601. */
  @IsDefined({ message: '$property is required' })
  @toTime()
  @IsTime()
  since!: number;

  /** ... and at or before this time (default: when the recover starts). */
  @IsOptional()
  @toTime()
  @IsTime()
  until?: number;
}
