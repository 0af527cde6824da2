import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import { AddressPolicy } from '@app/platform';

export class RefusedDestinationError extends Error {
  readonly code = 'ERR_CALLBACK_DESTINATION_REFUSED';
  constructor(reason: string) {
    super(`Refused destination: ${reason}`);
    this.name = 'RefusedDestinationError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for the HTTP agents that refuses a name when any address it resolves to is
 * forbidden. The socket connects to exactly the address checked here, so DNS rebinding
 * between check and connect is impossible.
 */
export function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const refusal = addresses.map((a) => policy.refusalFor(hostname, a.address)).find((r) => r !== null);
      if (refusal) return callback(new RefusedDestinationError(refusal) as NodeJS.ErrnoException, []);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
