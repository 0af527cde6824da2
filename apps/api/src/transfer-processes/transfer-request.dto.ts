import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  ValidateIf,
  ValidateNested,
  ValidationArguments,
} from 'class-validator';
import { CallbackAddressDto, IsCallbackAddressShorthand } from '@app/events/dto';
import { JsonLdBody } from '../json-ld/json-ld-body.decorator';
import { CounterPartyRequestDto } from '../lifecycle/counter-party-request.dto';

/** EDC's `TransferTypeParser`: `<destination type>-<PUSH|PULL>`, optionally `-<response type>`. */
export const TRANSFER_TYPE = /^[^-]+-(PUSH|PULL)(-.*)?$/;

export function isPush(transferType: unknown): boolean {
  return typeof transferType === 'string' && TRANSFER_TYPE.exec(transferType)?.[1] === 'PUSH';
}

/** EDC `DataAddress`: a `type` and any further properties of that type. */
export class DataAddressDto {
  @IsString()
  @IsNotEmpty()
  type: string;

  [property: string]: unknown;
}

/** EDC Management API v3 `TransferRequest` (`callbackAddresses` from the base). */
@JsonLdBody()
export class TransferRequestDto extends CounterPartyRequestDto {
  @IsString()
  @IsNotEmpty()
  contractId: string;

  @IsString()
  @IsNotEmpty()
  @Matches(TRANSFER_TYPE, { message: 'transferType must read <destination type>-PUSH or <destination type>-PULL (e.g. HttpData-PULL)' })
  transferType: string;

  /** Deprecated in EDC: the transfer's asset is the agreement's, whatever this says. */
  @IsOptional()
  @IsString()
  assetId?: string;

  /** Where a PUSH transfer sends the data: required for PUSH, as EDC's data flow needs it. */
  @ValidateIf((o: TransferRequestDto) => o.dataDestination !== undefined || isPush(o.transferType))
  @IsObject({
    message: ({ value }: ValidationArguments) =>
      value === undefined ? 'dataDestination is required for a PUSH transfer' : 'dataDestination must be an object',
  })
  @ValidateNested()
  @Type(() => DataAddressDto)
  dataDestination?: DataAddressDto;

  /**
   * The single-URL shorthand of the product documentation: all transfer events to one URL; or
   * one callback address object, whose `events` default to all transfer events.
   */
  @IsCallbackAddressShorthand()
  callbackAddress?: string | CallbackAddressDto;

  @IsOptional()
  @IsBoolean()
  managedResources?: boolean;

  @IsOptional()
  @IsObject()
  privateProperties?: Record<string, unknown>;
}
