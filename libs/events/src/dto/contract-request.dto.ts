import { Type } from 'class-transformer';
import { IsArray, IsNotEmpty, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import { CounterPartyRequestDto } from './counter-party-request.dto';

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
export class ContractRequestDto extends CounterPartyRequestDto {
  @IsObject()
  @ValidateNested()
  @Type(() => OfferDto)
  policy: OfferDto;
}
