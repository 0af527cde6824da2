import { Inject, Injectable } from '@nestjs/common';
import { CallbackAddress, httpUrlProblem, isAbsoluteHttpUrl, perUri } from '@app/events';
import { addressOfShorthand, CallbackAddressDto } from '@app/events/dto';
import { AddressPolicy, APP_CONFIG, AppConfig } from '@app/platform';
import { Problem } from '../domain/domain-errors';

/**
 * Turns validated callback DTOs into stored `CallbackAddress`es, refusing (a problem of the
 * request's 400) literal private, loopback or metadata addresses the allow list does not name.
 * Host names are checked after DNS resolution, at delivery, by the dispatcher.
 */
@Injectable()
export class CallbackAddressPolicy {
  /** The policy's answer per URI: the same for every create that names it, and most name a few. */
  private readonly refusalForUri: (uri: string) => string | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const policy = new AddressPolicy(config.allowedHosts);
    this.refusalForUri = perUri((uri) => policy.refusalForUri(uri));
  }

  /**
   * The stored addresses of a request: `addresses`, the `callbackAddress` shorthand, and
   * Metamug's `?callbackURL=` (`queryUrl`, standing for one address with `queryEvents`).
   * Refusals are added to `problems`, with the body's other problems, so that one 400 lists
   * them all; the result is only meaningful when `problems` stays empty. Entries the DTO
   * already found malformed are skipped here (their problem is listed).
   */
  collect(request: CallbackAddressesInRequest, problems: Problem[]): CallbackAddress[] {
    const all: [string, CallbackAddress][] = [];
    (Array.isArray(request.addresses) ? request.addresses : []).forEach((a, i) => {
      if (isAbsoluteHttpUrl(a?.uri)) all.push([`callbackAddresses[${i}].uri`, toAddress(a)]);
    });
    const shorthand = request.shorthand;
    const shorthandUri = typeof shorthand === 'string' ? shorthand : shorthand?.uri;
    if (shorthand !== undefined && shorthand !== null && isAbsoluteHttpUrl(shorthandUri))
      all.push([typeof shorthand === 'string' ? 'callbackAddress' : 'callbackAddress.uri', toAddress(addressOfShorthand(shorthand))]);
    if (request.queryUrl !== undefined) {
      const problem = typeof request.queryUrl === 'string' ? httpUrlProblem(request.queryUrl) : 'must be given once';
      if (problem) problems.push({ message: `callbackURL ${problem}`, path: 'callbackURL', invalidValue: request.queryUrl });
      else all.push(['callbackURL', { uri: request.queryUrl as string, events: [...request.queryEvents!], transactional: false }]);
    }
    for (const [path, address] of all) this.refuseUri(path, address.uri, problems);
    return all.map(([, address]) => address);
  }

  /** Adds to `problems` the refusal of `uri` (at `path`) when it is a literal address the policy forbids; a malformed URL is the DTO's problem. */
  refuseUri(path: string, uri: string, problems: Problem[]): void {
    if (!isAbsoluteHttpUrl(uri)) return;
    const reason = this.refusalForUri(uri);
    if (reason) problems.push({ message: `${path}: ${reason}; list it in CALLBACK_ALLOWED_HOSTS to allow it`, path, invalidValue: uri });
  }
}

/** Where a request names callback addresses. */
export interface CallbackAddressesInRequest {
  addresses?: CallbackAddressDto[];
  shorthand?: string | CallbackAddressDto;
  /** `?callbackURL=` as the query parser gave it (a list when repeated). */
  queryUrl?: unknown;
  /** The events `queryUrl` stands for: the created object's prefix. */
  queryEvents?: readonly string[];
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
