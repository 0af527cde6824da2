import { plainToInstance, Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  registerDecorator,
  ValidateIf,
  ValidateNested,
  ValidationArguments,
  validateSync,
  ValidationError,
} from 'class-validator';
import { CallbackAddress, callbackAddressFromShorthand, ON_FAILURE_MODES, OnFailure } from '../callback-address';
import { authCodeIdProblem, authKeyProblem, eventFiltersProblem, MAX_CALLBACK_ADDRESSES } from '../callback-address-rules';
import { AsList } from './as-list';
import { httpUrlProblem } from '../http-url';
import { IsHttpUrl } from './is-http-url.validator';

/** A property that `problem` finds nothing wrong with; its message is what `problem` says. */
function Satisfies(name: string, problem: (value: unknown) => string | null): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: (args: ValidationArguments) => `${args.property} ${problem(args.value) ?? 'is invalid'}` },
      validator: { validate: (value: unknown) => problem(value) === null },
    });
}

/** `Satisfies` for a rule that also reads the other properties of the object. */
function SatisfiesWith<T>(name: string, problem: (value: unknown, object: T) => string | null): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: (args: ValidationArguments) => `${args.property} ${problem(args.value, args.object as T) ?? 'is invalid'}` },
      validator: { validate: (value: unknown, args?: ValidationArguments) => problem(value, args!.object as T) === null },
    });
}

export class CallbackAddressDto implements CallbackAddress {
  @IsHttpUrl()
  uri: string;

  /** Filters matched by prefix against the event's filter name; required, may be empty; one string is a list of one. */
  @AsList()
  @IsArray()
  @IsString({ each: true })
  @Satisfies('isEventFilterList', eventFiltersProblem)
  events: string[];

  @IsOptional()
  @IsBoolean()
  transactional: boolean = false;

  /** The header that carries the secret: an HTTP token, and none the request itself depends on. */
  @IsOptional()
  @Satisfies('isAuthKey', authKeyProblem)
  authKey?: string;

  // EDC rejects an auth header name without the alias of its secret.
  @ValidateIf((o: CallbackAddressDto) => o.authKey !== undefined || o.authCodeId !== undefined)
  @Satisfies('isAuthCodeId', (value) => (value === undefined ? 'is required when authKey is set' : authCodeIdProblem(value)))
  authCodeId?: string;

  /**
   * In-order delivery per object to this endpoint. A transactional callback is called by the api
   * before each change, one change at a time, so it has no sequence to keep: the two exclude
   * each other.
   */
  @IsOptional()
  @IsBoolean()
  @SatisfiesWith('isOrderedNotTransactional', (value, o: CallbackAddressDto) =>
    value === true && o.transactional === true ? 'cannot be true on a transactional callback address' : null,
  )
  ordered?: boolean;

  /** Only for an ordered address: refused without `ordered: true` rather than silently ignored. */
  @IsOptional()
  @SatisfiesWith('isOnFailure', (value, o: CallbackAddressDto) =>
    !ON_FAILURE_MODES.includes(value as OnFailure)
      ? `must be one of ${ON_FAILURE_MODES.join(', ')}`
      : o.ordered !== true
        ? 'applies only to an ordered callback address (ordered: true)'
        : null,
  )
  onFailure?: OnFailure;
}

/**
 * The `callbackAddresses` of a request: a list (or one object) of at most `MAX_CALLBACK_ADDRESSES` valid
 * addresses. One decorator, so every request that carries callback addresses has the same cap.
 */
export function IsCallbackAddressList(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    IsOptional()(target, propertyName);
    IsArray()(target, propertyName);
    // Only a list too long: what is not a list at all, IsArray reports.
    Satisfies('isCallbackAddressListSize', (value) =>
      Array.isArray(value) && value.length > MAX_CALLBACK_ADDRESSES
        ? `must hold at most ${MAX_CALLBACK_ADDRESSES} callback addresses`
        : null,
    )(target, propertyName);
    ValidateNested({ each: true })(target, propertyName);
    Type(() => CallbackAddressDto)(target, propertyName);
    // One address object is a list of one (JSON-LD reads them alike).
    AsList()(target, propertyName);
  };
}

/**
 * The single-URL shorthand `callbackAddress`: a URL, which stands for all transfer events to it
 * (`callbackAddressFromShorthand`), or one callback address object whose `events` default to
 * all transfer events (so that it can be `ordered`, say). Problems of the object are named by
 * their path inside it (`callbackAddress.uri ...`).
 */
export function IsCallbackAddressShorthand(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    IsOptional()(target, propertyName);
    Satisfies('isCallbackAddressShorthand', callbackAddressShorthandProblem)(target, propertyName);
  };
}

/** The address a shorthand stands for (see `IsCallbackAddressShorthand`); only for a valid one. */
export function addressOfShorthand(shorthand: string | Partial<CallbackAddress>): CallbackAddressDto {
  const defaults = callbackAddressFromShorthand(typeof shorthand === 'string' ? shorthand : '');
  return plainToInstance(CallbackAddressDto, typeof shorthand === 'string' ? defaults : { events: defaults.events, ...shorthand });
}

function callbackAddressShorthandProblem(value: unknown): string | null {
  if (typeof value === 'string') return httpUrlProblem(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be a URL or one callback address object';
  const problems = validateSync(addressOfShorthand(value as Partial<CallbackAddress>)).flatMap(messagesOf);
  return problems.length === 0 ? null : `has problems: ${problems.map((p) => `callbackAddress.${p}`).join('; ')}`;
}

function messagesOf(error: ValidationError): string[] {
  return [...Object.values(error.constraints ?? {}), ...(error.children ?? []).flatMap(messagesOf)];
}
