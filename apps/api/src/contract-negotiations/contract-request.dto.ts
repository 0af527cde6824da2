import { Type } from 'class-transformer';
import { Equals, IsArray, IsNotEmpty, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import { AsList } from '@app/events/dto';
import { JsonLdBody } from '../json-ld/json-ld-body.decorator';
import { ODRL_NS } from '../json-ld/namespaces';
import { CounterPartyRequestDto } from '../lifecycle/counter-party-request.dto';

export const ODRL_OFFER = `${ODRL_NS}Offer`;

/**
 * The ODRL `Offer` a consumer asks for, as EDC's `ContractRequestValidator` checks it: an
 * `@id`, the type `odrl:Offer`, an `assigner` and a `target` (a string or `{"@id": ...}`).
 * Read from the expanded request, so `@type` is the full IRI whatever prefix was used.
 */
export class OfferDto {
  @IsString()
  @IsNotEmpty()
  '@id': string;

  @Equals(ODRL_OFFER, { message: `@type must be odrl:Offer (${ODRL_OFFER})` })
  '@type': string;

  @IsString()
  @IsNotEmpty()
  assigner: string;

  @IsString()
  @IsNotEmpty()
  target: string;

  @IsOptional()
  @AsList()
  @IsArray()
  permission?: unknown[];

  @IsOptional()
  @AsList()
  @IsArray()
  prohibition?: unknown[];

  @IsOptional()
  @AsList()
  @IsArray()
  obligation?: unknown[];

  [property: string]: unknown;
}

/** EDC Management API v3 `ContractRequest`. */
@JsonLdBody()
export class ContractRequestDto extends CounterPartyRequestDto {
  @IsObject()
  @ValidateNested()
  @Type(() => OfferDto)
  policy: OfferDto;
}
