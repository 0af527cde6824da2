import { Type } from 'class-transformer';
import { IsArray, IsNotEmpty, IsOptional, IsString, ValidateNested } from 'class-validator';
import { CallbackAddressDto } from './callback-address.dto';

/** What every Management API request to start something with a counterparty carries. */
export abstract class CounterPartyRequestDto {
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

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => CallbackAddressDto)
  callbackAddresses?: CallbackAddressDto[];
}
