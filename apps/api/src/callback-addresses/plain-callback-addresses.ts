import { eventFiltersProblem, httpUrlProblem, MAX_CALLBACK_ADDRESSES } from '@app/events';
import { CallbackAddressDto } from '@app/events/dto';

/**
 * The JSON schema of `callbackAddresses` in its plain form: one address or a list of them
 * (JSON-LD reads a list of one as its element), each with `uri`, `events` (one filter or a
 * list) and `transactional`, and nothing else. An address with more (auth, order) is still
 * valid, but it is for the DTO's own checks to read (the `fastPath` of `readBody`).
 */
export const PLAIN_CALLBACK_ADDRESSES_SCHEMA = (() => {
  const address = {
    type: 'object',
    required: ['uri', 'events'],
    additionalProperties: false,
    properties: {
      uri: { type: 'string' },
      events: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
      transactional: { type: 'boolean' },
    },
  };
  return { anyOf: [address, { type: 'array', maxItems: MAX_CALLBACK_ADDRESSES, items: address }] };
})();

/**
 * The addresses of a body that passed PLAIN_CALLBACK_ADDRESSES_SCHEMA, as class-transformer
 * builds them (lists of one made lists, `transactional` false unless given), or null when one
 * breaks a rule the schema cannot say (a URL, the filters' limits): then the
 * DTO's own checks read the body and name the problem.
 */
export function plainCallbackAddresses(value: unknown): CallbackAddressDto[] | null {
  const addresses = (Array.isArray(value) ? value : [value]) as { uri: string; events: string | string[]; transactional?: boolean }[];
  const read: CallbackAddressDto[] = [];
  for (const { uri, events, transactional } of addresses) {
    const filters = Array.isArray(events) ? events : [events];
    if (httpUrlProblem(uri) !== null || eventFiltersProblem(filters) !== null) return null;
    read.push(Object.assign(new CallbackAddressDto(), { uri, events: filters, transactional: transactional ?? false }));
  }
  return read;
}
