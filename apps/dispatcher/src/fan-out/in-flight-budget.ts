/**
 * `DISPATCH_CONCURRENCY`, shared by every partition's stream: deliveries whose first try is under
 * way (`inFlight`), deliveries whose try ended and whose record is being written (`recording`),
 * and entries read beyond the room there was, waiting here for a slot, oldest first.
 *
 * A delivery's slot is freed when its try ends, not once it is recorded: waiting for the record
 * kept slots to slow receivers busy for nothing (docs/performance.md, scenario d). Records being
 * written count against the room too, so at most twice the limit is held in memory while Redis
 * is slow.
 */
export class InFlightBudget<Entry> {
  private inFlight = 0;
  private recording = 0;
  private readonly waiting: Entry[] = [];

  constructor(
    private readonly limit: number,
    /** Starts an entry once a slot is free; it takes its deliveries' slots with `open`. */
    private readonly start: (entry: Entry) => void,
    /** Called when slots came free and nothing waits: the readers may read again. */
    private readonly roomFreed: () => void,
  ) {}

  /** How many more entries the readers may take now. */
  room(): number {
    return this.limit - this.busy() - this.waiting.length;
  }

  /** Entries read: started while there are free slots, the rest wait. */
  take(entries: Entry[]): void {
    this.waiting.push(...entries);
    this.startWaiting();
  }

  /** What waits, never started, handed back (the dispatcher is stopping). */
  drain(): Entry[] {
    return this.waiting.splice(0);
  }

  /** One slot per delivery of an entry, each ended by the handle's `tried` (may be skipped) then `ended`. */
  open(): DeliverySlot {
    this.inFlight++;
    let trying = true;
    return {
      tried: () => {
        if (!trying) return;
        trying = false;
        this.inFlight--;
        this.recording++;
        this.freed();
      },
      ended: () => {
        if (trying) this.inFlight--;
        else this.recording--;
        this.freed();
      },
      lend: () => {
        this.inFlight--;
        this.freed();
      },
      takeBack: () => {
        this.inFlight++;
      },
    };
  }

  /** Slots taken: deliveries under way, or being recorded, whichever are more. */
  private busy(): number {
    return Math.max(this.inFlight, this.recording);
  }

  // With entries still waiting there is no room to read into: they would only wait too.
  private freed(): void {
    this.startWaiting();
    if (this.waiting.length === 0) this.roomFreed();
  }

  private startWaiting(): void {
    while (this.waiting.length > 0 && this.busy() < this.limit) this.start(this.waiting.shift()!);
  }
}

/** One delivery's hold on the budget. */
export interface DeliverySlot {
  /** Its try ended: the slot moves from in flight to being recorded. */
  tried(): void;
  /** Recorded (or given up): the slot is free. */
  ended(): void;
  /** It waits in memory for its turn: the slot is lent to others meanwhile... */
  lend(): void;
  /** ...and taken back when its turn comes. */
  takeBack(): void;
}
