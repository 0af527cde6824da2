import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsNotEmpty, IsObject, IsOptional, IsString, IsUrl, ValidateNested } from 'class-validator';

/** The design card's CallbackAddress, as class-validator DTOs are written from it. */
export class CallbackAddressDto {
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  uri: string;

  @IsArray()
  @IsString({ each: true })
  events: string[];

  @IsOptional()
  @IsBoolean()
  transactional?: boolean;

  @IsOptional()
  @IsString()
  authKey?: string;

  @IsOptional()
  @IsString()
  authCodeId?: string;
}

/** The design card's TransferRequest: the four required fields, and the callback addresses. */
export class TransferRequestDto {
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
  dataDestination?: Record<string, unknown>;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => CallbackAddressDto)
  callbackAddresses?: CallbackAddressDto[];
}
