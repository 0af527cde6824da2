import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The token every console action must carry (in its form's action URL): an HMAC of a fixed
 * label under the API key. A browser holding basic-auth credentials sends them with any
 * request, even one a foreign page makes it send; such a page cannot read the console, so it
 * cannot know the token, and its forged POST is refused.
 */
export class ConsoleToken {
  readonly value: string;

  constructor(apiKey: string) {
    this.value = createHmac('sha256', apiKey).update('delivery-console actions').digest('base64url');
  }

  matches(given: unknown): boolean {
    if (typeof given !== 'string') return false;
    const a = Buffer.from(given);
    const b = Buffer.from(this.value);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
