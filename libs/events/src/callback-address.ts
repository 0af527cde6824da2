/** A callback endpoint as EDC's `CallbackAddress` describes it. */
export interface CallbackAddress {
  uri: string;
  events: string[];
  transactional: boolean;
  /** Name of the header that carries the secret. */
  authKey?: string;
  /** Alias of the secret (in the vault / secrets API) sent in `authKey`. */
  authCodeId?: string;
}

/** The single-URL shorthand `callbackAddress` of a transfer request stands for this. */
export function callbackAddressFromShorthand(uri: string): CallbackAddress {
  return { uri, events: ['transfer.process'], transactional: false };
}
