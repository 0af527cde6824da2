import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  ValidateNested,
} from 'class-validator';
import { CounterPartyRequestDto } from './counter-party-request.dto';
import { IsHttpUrl } from './is-http-url.validator';

/** EDC `DataAddress`: a `type` and any further properties of that type. */
export class DataAddressDto {
  @IsString()
  @IsNotEmpty()
  type: string;

  [property: string]: unknown;
}

/** EDC Management API v3 `TransferRequest` (`callbackAddresses` from the base). */
export class TransferRequestDto extends CounterPartyRequestDto {
  @IsString()
  @IsNotEmpty()
  contractId: string;

  @IsString()
  @IsNotEmpty()
  transferType: string;

  @IsOptional()
  @IsString()
  assetId?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DataAddressDto)
  dataDestination?: DataAddressDto;

  /** The single-URL shorthand of the product documentation: all transfer events to one URL. */
  @IsOptional()
  @IsHttpUrl()
  callbackAddress?: string;

  @IsOptional()
  @IsBoolean()
  managedResources?: boolean;

  @IsOptional()
  @IsObject()
  privateProperties?: Record<string, unknown>;
}
