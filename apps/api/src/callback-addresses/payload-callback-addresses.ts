import { CallbackAddress, perUri } from '@app/events';

/**
 * The `callbackAddresses` an event payload shows its receivers. Every receiver of an object's
 * events gets the same body (one body per event, signed once), so it sees the other parties'
 * entries too. A URI may carry a token in its path, query or userinfo, and `authKey` and
 * `authCodeId` say how secrets are sent and named: none of that is for them. So each entry
 * keeps EDC's `CallbackAddress` shape with `uri` cut to its origin (scheme://host[:port]) and
 * without `authKey`/`authCodeId`. The object itself, and the Management API, keep them whole.
 */
export function payloadCallbackAddresses(addresses: readonly CallbackAddress[]): CallbackAddress[] {
  return addresses.map((address) => ({ uri: originOf(address.uri), events: [...address.events], transactional: address.transactional }));
}

/** Remembered per URI: parsing one is dear in the running api, and it is done once per event and address. */
const originOf = perUri((uri) => {
  try {
    const origin = new URL(uri).origin;
    return origin === 'null' ? '' : origin;
  } catch {
    return '';
  }
});
