import { IsObject, IsOptional, IsString } from 'class-validator';
import { JsonLdBody } from '../json-ld/json-ld-body.decorator';

/** Body of a terminate/suspend command or of a signal: an optional reason (and data address). */
@JsonLdBody()
export class StateChangeDto {
  @IsOptional()
  @IsString()
  reason?: string;

  /** For the `started` signal of a transfer: where the data can be fetched. */
  @IsOptional()
  @IsObject()
  dataAddress?: Record<string, unknown>;
}
