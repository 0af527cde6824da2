import { randomUUID } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { crc16Ascii, crc16Step } from './crc16';

/** Redis Cluster's number of hash slots. */
export const CLUSTER_SLOTS = 16384;

/** One partition of the keyspace: every key of it starts with its hash tag, so it has one slot. */
export interface Partition {
  readonly index: number;
  /** The hash tag with its braces, e.g. `{cbsvc-p03.41}`: the prefix of each of its keys. */
  readonly tag: string;
  /** A readable name for queues, logs and metrics: `p03`. */
  readonly name: string;
}

/**
 * The keyspace split in `REDIS_PARTITIONS` partitions, each under its own hash tag (see
 * docs/architecture.md, "Partitions"). An object (negotiation, transfer, inbound callback) lives
 * in one partition with everything of it: its state, index entries, events, delivery jobs and
 * delivery log. Which one follows from its id alone: `of(id)`. Ids this service makes for things
 * that belong to an object (event ids, an inbound callback's state) are drawn in the object's
 * partition (`newId`), so they lead to it as well.
 *
 * Partition i's tag is chosen so that its slot falls in the middle half of the i-th of `count`
 * equal ranges of the slot space. A cluster whose masters own equal ranges of slots (what
 * `redis-cli --cluster create` makes) then holds an equal share of partitions on each master,
 * give or take the one whose range straddles a master's boundary.
 */
export class Partitions {
  readonly all: readonly Partition[];

  constructor(prefix: string, count: number) {
    const width = String(count - 1).length;
    this.all = Array.from({ length: count }, (_, index) => {
      const name = `p${String(index).padStart(width, '0')}`;
      return { index, name, tag: `{${tagInRange(`${prefix}-${name}`, index, count)}}` };
    });
  }

  get count(): number {
    return this.all.length;
  }

  /** The partition of an object, or of any id drawn with `newId`. */
  of(id: string): Partition {
    return this.all[slotOf(id) % this.all.length];
  }

  /**
   * A random UUID that `of` maps to `partition`. The last hex digit of a v4 UUID is random like
   * the others: of the sixteen UUIDs that differ only there, one that maps to the partition is
   * taken, starting from the digit drawn, so a draw costs one UUID and one hash (its first 35
   * characters, then one step per digit tried) where drawing whole UUIDs until one fits cost as
   * many of both as there are partitions (docs/performance.md, "Figures behind choices in the code").
   */
  newId(partition: Partition): string {
    for (;;) {
      const drawn = randomUUID();
      const head = drawn.slice(0, 35);
      const crc = crc16Ascii(head);
      const first = HEX.indexOf(drawn[35]);
      for (let k = 0; k < 16; k++) {
        const digit = HEX[(first + k) % 16];
        if ((crc16Step(crc, digit.charCodeAt(0)) % CLUSTER_SLOTS) % this.all.length !== partition.index) continue;
        const id = head + digit;
        // What `of` computes, once: the id is only ever found through it. By index, not identity:
        // the partition may come from another Partitions of the same layout.
        if (this.of(id).index === partition.index) return id;
      }
    }
  }
}

const HEX = '0123456789abcdef';

/** A key of `partition`: its tag, then the parts, joined by `:`. */
export function partitionKey(partition: Partition, ...parts: string[]): string {
  let key = partition.tag;
  for (const part of parts) key += ':' + part;
  return key;
}

const PLAIN_ID = /^[\x20-\x7c\x7e]+$/;

/**
 * The slot of `{id}`. An id of printable ASCII without `}` (a UUID, as the service draws them)
 * is its own hash tag, so the slot is the CRC of the id itself, computed without building the
 * braced string; any other id goes through cluster-key-slot. Ids are placed several times per
 * event, so this is on the hot path.
 */
export function slotOf(id: string): number {
  return PLAIN_ID.test(id) ? crc16Ascii(id) % CLUSTER_SLOTS : calculateSlot(`{${id}}`);
}

/** `base.<n>` for the first n whose slot lies in the middle half of the index-th of `count` equal slot ranges. */
function tagInRange(base: string, index: number, count: number): string {
  const width = CLUSTER_SLOTS / count;
  const from = Math.floor(index * width + width / 4);
  const to = Math.max(from + 1, Math.floor(index * width + (3 * width) / 4));
  for (let n = 0; ; n++) {
    const tag = `${base}.${n}`;
    const slot = calculateSlot(tag);
    if (slot >= from && slot < to) return tag;
  }
}
