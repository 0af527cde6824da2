/** A callback endpoint as EDC's `CallbackAddress` describes it. */
export interface CallbackAddress {
  uri: string;
  events: string[];
  transactional: boolean;
  /** Name of the header that carries the secret. */
  authKey?: string;
  /** Alias of the secret (in the vault / secrets API) sent in `authKey`. */
  authCodeId?: string;
  /**
   * The object's events reach this endpoint in `x-event-sequence` order: event n+1 is not sent
   * before event n has ended (docs/delivery.md, "Ordered endpoints"). Absent means false.
   */
  ordered?: boolean;
  /** For an ordered endpoint: what a dead letter does to the events after it (absent: continue). */
  onFailure?: OnFailure;
}

/** `continue`: the sequence moves on past a dead letter; `hold`: it waits until it is retried or skipped. */
export type OnFailure = 'continue' | 'hold';
export const ON_FAILURE_MODES: readonly OnFailure[] = ['continue', 'hold'];

/** The single-URL shorthand `callbackAddress` of a transfer request stands for this. */
export function callbackAddressFromShorthand(uri: string): CallbackAddress {
  return { uri, events: ['transfer.process'], transactional: false };
}
