import { Inject, Injectable } from '@nestjs/common';
import { addressOfShorthand, CallbackAddress, CallbackAddressDto } from '@app/events';
import { AddressPolicy, APP_CONFIG, AppConfig } from '@app/platform';
import { InvalidInput } from '../domain/domain-errors';

/**
 * Turns validated callback DTOs into stored `CallbackAddress`es, refusing (400) literal
 * private, loopback or metadata addresses the allow list does not name. Host names are
 * checked after DNS resolution, at delivery, by the dispatcher.
 */
@Injectable()
export class CallbackAddressPolicy {
  private readonly policy: AddressPolicy;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.policy = new AddressPolicy(config.allowedHosts);
  }

  fromRequest(addresses: CallbackAddressDto[] = [], shorthand?: string | CallbackAddressDto): CallbackAddress[] {
    const all: [string, CallbackAddress][] = addresses.map((a, i) => [`callbackAddresses[${i}].uri`, toAddress(a)]);
    if (shorthand !== undefined)
      all.push([typeof shorthand === 'string' ? 'callbackAddress' : 'callbackAddress.uri', toAddress(addressOfShorthand(shorthand))]);
    const refused = all.flatMap(([path, address]) => {
      const reason = this.policy.refusalForUri(address.uri);
      return reason
        ? [{ message: `${path}: ${reason}; list it in CALLBACK_ALLOWED_HOSTS to allow it`, path, invalidValue: address.uri }]
        : [];
    });
    if (refused.length > 0) throw new InvalidInput(refused);
    return all.map(([, address]) => address);
  }
}

function toAddress(dto: CallbackAddressDto): CallbackAddress {
  return {
    uri: dto.uri,
    events: dto.events,
    transactional: dto.transactional ?? false,
    ...(dto.authKey != null ? { authKey: dto.authKey } : {}),
    ...(dto.authCodeId != null ? { authCodeId: dto.authCodeId } : {}),
    // Only when asked for: unordered addresses are stored (and echoed) as they always were.
    ...(dto.ordered === true ? { ordered: true, ...(dto.onFailure != null ? { onFailure: dto.onFailure } : {}) } : {}),
  };
}
