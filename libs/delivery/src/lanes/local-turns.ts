/** The most ordered deliveries one replica keeps waiting in memory; beyond it they wait as jobs. */
const MAX_LOCAL_WAITERS = 1000;

interface Waiter {
  lane: string;
  resolve: (turnCame: boolean) => void;
}

/**
 * Ordered deliveries taken from the event stream that wait, in this replica's memory, for a
 * delivery ahead of them in their lane that this replica is sending from the stream too: when
 * that one ends here, the next one goes at once, as a first attempt from the stream, with no
 * job. That is what a backlog read in order gives (an object's events one after the other), and
 * it spares each of them the job a waiting delivery otherwise becomes (docs/delivery.md,
 * "Ordered endpoints"). It is only a shortcut: a waiter's entry is not acknowledged while it
 * waits, so a replica killed meanwhile loses nothing; and as soon as its lane has no delivery in
 * flight here any more (the one ahead will be retried as a job, say), or at shutdown, a waiter
 * gives up and waits as a job like any other.
 */
export class LocalTurns {
  /** Lane key → its deliveries being sent here from the stream. */
  private readonly heads = new Map<string, number>();
  /** Delivery id → its waiter. */
  private readonly waiters = new Map<string, Waiter>();
  /** Lane key → the ids of its waiters. */
  private readonly byLane = new Map<string, Set<string>>();

  /** Whether a delivery of `lane` may wait here: one ahead of it is being sent here. */
  canWait(lane: string): boolean {
    return this.heads.has(lane) && this.waiters.size < MAX_LOCAL_WAITERS;
  }

  /** Notes that a head of `lane` is being sent here; call the result once it is settled. */
  sending(lane: string): () => void {
    this.heads.set(lane, (this.heads.get(lane) ?? 0) + 1);
    return () => this.settled(lane);
  }

  /**
   * Waits here for the delivery's turn. `turn` resolves when it is woken as its lane's head,
   * to the function to call once it is settled (it counts as being sent here, as `sending`), or
   * to null when it gives up. `cancel` stops waiting (its turn came another way).
   */
  wait(lane: string, deliveryId: string): { turn: Promise<(() => void) | null>; cancel: () => void } {
    let resolve!: (turnCame: boolean) => void;
    const turn = new Promise<boolean>((r) => (resolve = r));
    this.waiters.set(deliveryId, { lane, resolve });
    this.byLane.set(lane, (this.byLane.get(lane) ?? new Set()).add(deliveryId));
    return { turn: turn.then((came) => (came ? () => this.settled(lane) : null)), cancel: () => this.give(deliveryId, false) };
  }

  /** Wakes a delivery waiting here whose turn has come; false when none waits here. */
  wake(deliveryId: string): boolean {
    const waiter = this.waiters.get(deliveryId);
    if (!waiter) return false;
    // It is a head being sent here from now on, so the others of its lane keep waiting here.
    this.heads.set(waiter.lane, (this.heads.get(waiter.lane) ?? 0) + 1);
    this.give(deliveryId, true);
    return true;
  }

  /** Every waiter gives up (shutdown): each waits as a job instead. */
  releaseAll(): void {
    for (const id of [...this.waiters.keys()]) this.give(id, false);
  }

  private settled(lane: string): void {
    const left = (this.heads.get(lane) ?? 1) - 1;
    if (left > 0) {
      this.heads.set(lane, left);
      return;
    }
    this.heads.delete(lane);
    // Nothing of the lane is being sent here any more: nobody here would wake its waiters.
    for (const id of [...(this.byLane.get(lane) ?? [])]) this.give(id, false);
  }

  private give(deliveryId: string, turnCame: boolean): void {
    const waiter = this.waiters.get(deliveryId);
    if (!waiter) return;
    this.waiters.delete(deliveryId);
    const ids = this.byLane.get(waiter.lane)!;
    ids.delete(deliveryId);
    if (ids.size === 0) this.byLane.delete(waiter.lane);
    waiter.resolve(turnCame);
  }
}
