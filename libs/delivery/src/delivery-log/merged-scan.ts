import { before, LogPosition } from './delivery-search';

/** At most `count` entries of one index, newest first, after its first `offset`. */
export type IndexPage = (offset: number, count: number) => Promise<LogPosition[]>;

interface Source {
  page: IndexPage;
  read: number;
  buffered: LogPosition[];
  done: boolean;
}

/**
 * One or more indexes read as one, newest first, in batches; a delivery two of them hold comes
 * once. Several only while a reader looks in both layouts of an owner's index (see
 * `DeliveryLog.ownerScan`): each batch costs one command per index not yet read to its end.
 */
export class MergedScan {
  private readonly sources: Source[];
  private last?: LogPosition;

  constructor(pages: IndexPage[]) {
    this.sources = pages.map((page) => ({ page, read: 0, buffered: [], done: false }));
  }

  /** True once every entry has been returned. */
  get exhausted(): boolean {
    return this.sources.every((s) => s.done && s.buffered.length === 0);
  }

  /** The next entries, at most `count`: fewer only at the end or when duplicates were dropped. */
  async next(count: number): Promise<LogPosition[]> {
    // Each source unread to its end holds `count` entries or more: none runs dry below.
    await Promise.all(
      this.sources.map(async (s) => {
        if (s.done || s.buffered.length >= count) return;
        const want = count - s.buffered.length;
        const got = await s.page(s.read, want);
        s.read += got.length;
        s.buffered.push(...got);
        s.done = got.length < want;
      }),
    );
    const out: LogPosition[] = [];
    for (let taken = 0; taken < count; taken++) {
      let head: Source | undefined;
      for (const s of this.sources) if (s.buffered.length > 0 && (!head || before(s.buffered[0], head.buffered[0]))) head = s;
      if (!head) break;
      const p = head.buffered.shift()!;
      if (this.last && this.last.id === p.id) continue;
      out.push(p);
      this.last = p;
    }
    return out;
  }
}
