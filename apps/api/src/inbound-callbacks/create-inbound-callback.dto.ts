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
import { CallbackAddressDto, IsCallbackAddressList, IsHttpUrl } from '@app/events/dto';

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

const HANDLER_TIMEOUT_RANGE = 'responseHandler.timeoutMs must be an integer from 100 to 30000';

/** Grexx's callback response handler: asked at call time what to answer (see ResponseHandlerClient). */
export class ResponseHandlerDto {
  @IsHttpUrl()
  uri: string;

  /** How long the caller waits for the handler before the fallback answer; the caller is waiting, so at most 30 s. */
  @IsOptional()
  @IsInt({ message: HANDLER_TIMEOUT_RANGE })
  @Min(100, { message: HANDLER_TIMEOUT_RANGE })
  @Max(30_000, { message: HANDLER_TIMEOUT_RANGE })
  timeoutMs: number = 5000;
}

/** The fields that configure an answer: given with a `responseHandler`, they are its fallback (else a failed handler answers 502). */
export const RESPONSE_FIELDS = ['responseType', 'responseCode', 'responseBody', 'responseHeaders', 'responseRedirectUrl'] as const;

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

  /** A JSON Schema the call's query (an object of strings, a repeated key as a list) must satisfy; same limits as `bodySchema`. */
  @IsOptional()
  @IsObject()
  querySchema?: Record<string, unknown>;

  /** A JSON Schema the call's headers (an object, names in lower case) must satisfy; same limits as `bodySchema`. */
  @IsOptional()
  @IsObject()
  headersSchema?: Record<string, unknown>;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ResponseHandlerDto)
  responseHandler?: ResponseHandlerDto;

  /** Metamug's redirect: the call's query goes on to `responseRedirectUrl` (without the state parameter, the URL's secret). */
  @IsOptional()
  @IsBoolean()
  redirectAppendQuery?: boolean;

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
