import { MaxLength } from 'class-validator';

/**
 * The longest `@id` a client may give an object (a negotiation, a transfer, a secret). The id
 * goes into every URL that names the object, and a request line past Node's header limit
 * (16 KiB) is refused with 431 before any route: an object with a longer id could never be
 * read, signalled or terminated. EDC's ids are UUIDs or URNs, far shorter; 256 characters
 * stay under the limit even when each is percent-encoded.
 */
export const MAX_OBJECT_ID_LENGTH = 256;

export function IsObjectIdLength(): PropertyDecorator {
  return MaxLength(MAX_OBJECT_ID_LENGTH, { message: `$property must be at most ${MAX_OBJECT_ID_LENGTH} characters` });
}
