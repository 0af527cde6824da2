import calculateSlot from 'cluster-key-slot';
import fc from 'fast-check';
import { crc16Ascii } from './crc16';
import { CLUSTER_SLOTS, partitionKey, Partitions, slotOf } from './partitions';

describe('Partitions', () => {
  it('puts each partition under a tag of its own whose slot lies in its share of the slot space', () => {
    const partitions = new Partitions('cbsvc', 16);
    expect(partitions.all.map((p) => p.name)).toEqual(Array.from({ length: 16 }, (_, i) => `p${String(i).padStart(2, '0')}`));
    for (const p of partitions.all) {
      expect(p.tag).toMatch(new RegExp(`^\\{cbsvc-${p.name}\\.\\d+\\}$`));
      const slot = calculateSlot(p.tag);
      expect(Math.floor(slot / (CLUSTER_SLOTS / 16))).toBe(p.index);
    }
    expect(partitionKey(partitions.all[3], 'transferprocess', 'x')).toBe(`${partitions.all[3].tag}:transferprocess:x`);
  });

  it('spreads the partitions evenly over the masters of a cluster made by redis-cli --cluster create', () => {
    // Three masters own 0-5460, 5461-10922 and 10923-16383.
    const masterOf = (slot: number) => (slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2);
    for (const count of [16, 32, 64]) {
      const perMaster = [0, 0, 0];
      for (const p of new Partitions('cbsvc', count).all) perMaster[masterOf(calculateSlot(p.tag))]++;
      for (const n of perMaster) expect(Math.abs(n / (count / 3) - 1)).toBeLessThanOrEqual(0.13);
    }
  });

  it('finds the partition of an object from its id alone, the same in every process', () => {
    const a = new Partitions('cbsvc', 16);
    const b = new Partitions('cbsvc', 16);
    for (const id of ['7d1c3a52-4e5b-4f0e-9b7a-1b2c3d4e5f60', 'any-client-id', '{braces}']) expect(a.of(id)).toEqual(b.of(id));
  });

  it('draws new ids in a given partition, random v4 UUIDs, whatever the number of partitions', () => {
    for (const count of [1, 3, 16, 128]) {
      const partitions = new Partitions('cbsvc', count);
      const ids = new Set<string>();
      for (const p of partitions.all)
        for (let i = 0; i < 20; i++) {
          const id = partitions.newId(p);
          expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
          expect(partitions.of(id)).toBe(p);
          ids.add(id);
        }
      expect(ids.size).toBe(count * 20);
    }
  });

  it('hashes as Redis Cluster does, step by step', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)) }), (text) => {
        const plain = text.replace(/[{}]/g, '');
        // Without braces a key has no hash tag: its slot is the hash of the whole key.
        expect(crc16Ascii(plain) % CLUSTER_SLOTS).toBe(calculateSlot(plain));
      }),
      { numRuns: 2000 },
    );
  });

  it("places an id by the slot of '{id}', whatever characters it has", () => {
    const braces = fc.constantFrom('{', '}', 'a', '-');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: braces }), fc.uuid()), (id) => {
        expect(slotOf(id)).toBe(calculateSlot(`{${id}}`));
      }),
      { numRuns: 3000 },
    );
  });

  it('draws an id for a partition taken from another Partitions of the same layout', () => {
    // Services each build their own Partitions; a partition object is not shared between them.
    const mine = new Partitions('svc', 16);
    const theirs = new Partitions('svc', 16);
    for (const partition of theirs.all) expect(mine.of(mine.newId(partition)).index).toBe(partition.index);
  });
});
