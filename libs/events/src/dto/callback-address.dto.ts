import { IsArray, IsBoolean, IsNotEmpty, IsOptional, IsString, ValidateIf } from 'class-validator';
import { CallbackAddress } from '../callback-address';
import { IsHttpUrl } from './is-http-url.validator';

export class CallbackAddressDto implements CallbackAddress {
  @IsHttpUrl()
  uri: string;

  /** Filters matched by prefix against the event's filter name; required, may be empty. */
  @IsArray()
  @IsString({ each: true })
  events: string[];

  @IsOptional()
  @IsBoolean()
  transactional: boolean = false;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  authKey?: string;

  // EDC rejects an auth header name without the alias of its secret.
  @ValidateIf((o: CallbackAddressDto) => o.authKey !== undefined || o.authCodeId !== undefined)
  @IsString({ message: 'authCodeId is required when authKey is set' })
  @IsNotEmpty()
  authCodeId?: string;
}
