import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CallbackAddressDto, IsCallbackAddressList } from '@app/events';

const RESPONSE_CODE_RANGE = 'responseCode must be an integer from 200 to 599';

/** What an accepted call moves on: a transfer or a negotiation, by one signal. */
export class SignalOnCallDto {
  @ValidateIf((o: SignalOnCallDto) => o.contractNegotiationId === undefined)
  @IsString({ message: 'transferProcessId or contractNegotiationId is required' })
  @IsNotEmpty()
  transferProcessId?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  contractNegotiationId?: string;

  /** A signal of the signaling API (`completed`, `started`, `agreed`, ...). */
  @IsString()
  @IsNotEmpty()
  signal: string;
}

/**
 * `POST /management/v1/callbacks`: an inbound callback URL to hand to another system, and what
 * to answer when it is called.
 */
export class CreateInboundCallbackDto {
  @IsOptional()
  @IsIn(['response', 'redirect'])
  responseType: 'response' | 'redirect' = 'response';

  /** 200-599: a 1xx is not a final response, so the caller would never get one. */
  @IsOptional()
  @IsInt({ message: RESPONSE_CODE_RANGE })
  @Min(200, { message: RESPONSE_CODE_RANGE })
  @Max(599, { message: RESPONSE_CODE_RANGE })
  responseCode: number = 200;

  @IsOptional()
  @IsString()
  responseBody?: string;

  /**
   * Header name to value; values must be strings. Framing and hop-by-hop headers
   * (Content-Length, Transfer-Encoding, Connection, ...) are refused: the server sets them.
   */
  @IsOptional()
  @IsObject()
  responseHeaders?: Record<string, string>;

  /** Where a `redirect` sends the caller: an absolute http(s) URL or a path on this host. */
  @ValidateIf((o: CreateInboundCallbackDto) => o.responseType === 'redirect' || o.responseRedirectUrl !== undefined)
  @IsString({ message: 'responseRedirectUrl is required when responseType is redirect' })
  @Matches(/^(https?:\/\/[^\s]+|\/[^\s]*)$/, { message: 'responseRedirectUrl must be an absolute http(s) URL or a path starting with /' })
  responseRedirectUrl?: string;

  @IsOptional()
  @IsBoolean()
  allowMultipleCalls: boolean = false;

  @IsOptional()
  @IsBoolean()
  retryableAfterError: boolean = false;

  /** With it, the URL is `{base}/cbq/{param}?{param}={state}` (for OAuth, SAML and the like). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.~-]{1,64}$/, { message: 'stateQueryParameter must be 1 to 64 letters, digits or _ . ~ -' })
  stateQueryParameter?: string;

  /** Another base for the URL; must be https. */
  @IsOptional()
  @Matches(/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: 'alternativeDomain must be an https:// URL' })
  alternativeDomain?: string;

  /** A JSON Schema the caller's body must satisfy: at most 16 KiB of JSON, its `$ref`s resolved within it. */
  @IsOptional()
  @IsObject()
  bodySchema?: Record<string, unknown>;

  @IsCallbackAddressList()
  callbackAddresses?: CallbackAddressDto[];

  /** ISO 8601 date-time or epoch milliseconds; must be in the future. */
  @IsOptional()
  expiresAt?: string | number;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SignalOnCallDto)
  signalOnCall?: SignalOnCallDto;
}
