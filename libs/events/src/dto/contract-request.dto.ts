import { Type } from 'class-transformer';
import { IsArray, IsNotEmpty, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import { CallbackAddressDto } from './callback-address.dto';

/** The ODRL `Offer` a consumer asks for: EDC requires its `@id`, `assigner` and `target`. */
export class OfferDto {
  @IsString()
  @IsNotEmpty()
  '@id': string;

  @IsString()
  @IsNotEmpty()
  assigner: string;

  @IsString()
  @IsNotEmpty()
  target: string;

  @IsOptional()
  @IsArray()
  permission?: unknown[];

  @IsOptional()
  @IsArray()
  prohibition?: unknown[];

  @IsOptional()
  @IsArray()
  obligation?: unknown[];

  [property: string]: unknown;
}

/** EDC Management API v3 `ContractRequest`. */
export class ContractRequestDto {
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

  @IsObject()
  @ValidateNested()
  @Type(() => OfferDto)
  policy: OfferDto;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => CallbackAddressDto)
  callbackAddresses?: CallbackAddressDto[];
}
