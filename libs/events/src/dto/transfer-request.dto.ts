import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  ValidateNested,
} from 'class-validator';
import { CallbackAddressDto } from './callback-address.dto';
import { IsHttpUrl } from './is-http-url.validator';

/** EDC `DataAddress`: a `type` and any further properties of that type. */
export class DataAddressDto {
  @IsString()
  @IsNotEmpty()
  type: string;

  [property: string]: unknown;
}

/** EDC Management API v3 `TransferRequest`. */
export class TransferRequestDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  '@id'?: string;

  @IsString()
  @IsNotEmpty()
  counterPartyAddress: string;

  @IsString()
  @IsNotEmpty()
  protocol: string;

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

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => CallbackAddressDto)
  callbackAddresses?: CallbackAddressDto[];

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
