// The MemTable against a sorted-map model, and what its footprint counts.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { MemTableFilter } from "../../src/lsm/memtable-filter.js";
import { ENTRY_OVERHEAD, MemTable } from "../../src/lsm/memtable.js";
import { ValueKind } from "../../src/sstable/format.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

type Version = [string, string, number, ValueKind];

/** Every entry of the table as [key, value, sequence, kind], in its order. */
function contents(m: MemTable): Version[] {
  return [...m.entries()].map((e) => [text(e.key), text(e.value), e.sequence, e.kind]);
}

/** The model: every write (write i at sequence i + 1), by the keys' UTF-8 bytes, newest first per key. */
function modelOf(writes: readonly [string, string, ValueKind][]): Version[] {
  return writes
    .map(([k, v, kind], i): Version => [k, v, i + 1, kind])
    .sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])) || b[2] - a[2]);
}

/** The newest version of each key in the model, with sequence <= snapshot. */
function visibleAt(model: Version[], snapshot: number): Map<string, Version> {
  const seen = new Map<string, Version>();
  for (const v of model) if (v[2] <= snapshot && !seen.has(v[0])) seen.set(v[0], v);
  return seen;
}

function fill(writes: readonly [string, string, ValueKind][]): MemTable {
  const m = new MemTable();
  writes.forEach(([k, v, kind], i) => m.put(bytes(k), bytes(v), i + 1, kind));
  return m;
}

describe("MemTable order and lookups", () => {
  // Ascending runs take the insert path that reuses the previous insert's splice; the rest search
  // from the top. Runs that restart below, jump ahead, or rewrite keys mix the two.
  const key = fc.oneof(fc.integer({ min: 0, max: 300 }).map((i) => `k${String(i).padStart(4, "0")}`), fc.string({ maxLength: 6 }).filter((s) => s !== ""));
  const run = fc.tuple(key, fc.integer({ min: 1, max: 60 }), fc.integer({ min: -3, max: 3 }));
  const writesOf = (runs: [string, number, number][]) =>
    runs.flatMap(([start, length, step]) =>
      Array.from({ length }, (_, i): [string, string, ValueKind] => {
        const k = step === 0 ? start : `${start}.${String(500 + i * step).padStart(4, "0")}`;
        return [k, `v${i}`, i % 7 === 6 ? ValueKind.DELETION : ValueKind.VALUE];
      }),
    );

  test("entries are every version, in internal-key order; get finds the newest at or below a snapshot", () => {
    fc.assert(
      fc.property(fc.array(run, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), (runs, picks) => {
        const writes = writesOf(runs);
        const m = fill(writes);
        const model = modelOf(writes);
        expect(contents(m)).toEqual(model);
        expect(m.versions).toBe(model.length);
        expect(m.count).toBe(new Set(writes.map(([k]) => k)).size);
        const snapshots = [writes.length, ...picks.map((p) => p % (writes.length + 1))];
        for (const snapshot of snapshots) {
          const visible = visibleAt(model, snapshot);
          for (const k of new Set(writes.map(([key]) => key))) {
            const e = m.get(bytes(k), snapshot);
            const want = visible.get(k);
            expect(e && [text(e.key), text(e.value), e.sequence, e.kind]).toEqual(want ?? null);
            expect(m.get(bytes(`${k}\u0000`), snapshot)).toBeNull();
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  test("10,000 ascending keys, then the same keys descending and interleaved", () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `user:${String(i).padStart(10, "0")}`);
    const writes: [string, string, ValueKind][] = [
      ...keys.map((k): [string, string, ValueKind] => [k, "a", ValueKind.VALUE]),
      ...[...keys].reverse().filter((_, i) => i % 3 === 0).map((k): [string, string, ValueKind] => [k, "b", ValueKind.VALUE]),
      ...keys.map((k): [string, string, ValueKind] => [`${k}x`, "c", ValueKind.VALUE]),
    ];
    const m = fill(writes);
    expect(contents(m)).toEqual(modelOf(writes));
    expect([...m.range(bytes(keys[10]!), bytes(keys[12]!))].map((e) => text(e.key))).toEqual([keys[10], `${keys[10]}x`, keys[11], `${keys[11]}x`, keys[12]]);
  });
});

describe("MemTable versions a flush keeps", () => {
  const writes = fc.array(fc.tuple(fc.constantFrom("a", "b", "c", "d"), fc.string({ maxLength: 3 }), fc.boolean()), { maxLength: 40 });

  test("with no snapshots, the newest version of each key, deletions included", () => {
    fc.assert(
      fc.property(writes, (ws) => {
        const w = ws.map(([k, v, del]): [string, string, ValueKind] => [k, v, del ? ValueKind.DELETION : ValueKind.VALUE]);
        const kept = [...fill(w).versionsToKeep()].map((e): Version => [text(e.key), text(e.value), e.sequence, e.kind]);
        expect(kept).toEqual([...visibleAt(modelOf(w), Infinity).values()]);
      }),
    );
  });

  test("with snapshots, exactly the versions some snapshot or the latest read sees", () => {
    fc.assert(
      fc.property(writes, fc.array(fc.nat({ max: 45 }), { maxLength: 4 }), (ws, snapshots) => {
        const w = ws.map(([k, v, del]): [string, string, ValueKind] => [k, v, del ? ValueKind.DELETION : ValueKind.VALUE]);
        const model = modelOf(w);
        const seen = new Set<number>();
        for (const s of [Infinity, ...snapshots]) for (const v of visibleAt(model, s).values()) seen.add(v[2]);
        const kept = [...fill(w).versionsToKeep(snapshots)].map((e) => e.sequence);
        expect(kept).toEqual(model.filter((v) => seen.has(v[2])).map((v) => v[2]));
      }),
    );
  });
});

describe("MemTable footprint (what the flush threshold counts)", () => {
  test("a new entry counts its key, its value and ENTRY_OVERHEAD", () => {
    const m = new MemTable();
    m.put(bytes("key"), bytes("value"), 1);
    m.put(bytes("k2"), new Uint8Array(0), 2, ValueKind.DELETION);
    expect(m.bytes).toBe(3 + 5 + ENTRY_OVERHEAD + 2 + 0 + ENTRY_OVERHEAD);
  });

  test("each overwrite adds its value's bytes and an entry: the key's bytes are shared (issue 7 item 16)", () => {
    const m = new MemTable();
    const value = new Uint8Array(1024).fill(0x61);
    const footprints: number[] = [];
    for (let i = 1; i <= 1000; i++) {
      m.put(bytes("hot"), value, i);
      footprints.push(m.bytes);
    }
    expect(m.count).toBe(1);
    expect(footprints[0]).toBe(3 + 1024 + ENTRY_OVERHEAD);
    for (let i = 1; i < footprints.length; i++) expect(footprints[i]! - footprints[i - 1]!).toBe(1024 + ENTRY_OVERHEAD);
    expect(m.versions).toBe(1000);
    expect(m.bytes).toBeGreaterThanOrEqual(1000 * 1024); // passes a 1 MiB threshold minus change
    expect(text(m.get(bytes("hot"))!.value)).toBe("a".repeat(1024));
  });

  test("an overwrite with a shorter value, or a deletion, never lowers the footprint", () => {
    const m = new MemTable();
    m.put(bytes("k"), new Uint8Array(500), 1);
    const before = m.bytes;
    m.put(bytes("k"), new Uint8Array(10), 2);
    expect(m.bytes).toBe(before + 10 + ENTRY_OVERHEAD);
    m.put(bytes("k"), new Uint8Array(0), 3, ValueKind.DELETION);
    expect(m.bytes).toBe(before + 10 + 2 * ENTRY_OVERHEAD);
  });

  test("the same key at the same sequence again (a replayed log) replaces that version's value", () => {
    const m = new MemTable();
    m.put(bytes("k"), bytes("old"), 7);
    m.put(bytes("k"), bytes("new"), 7);
    expect(contents(m)).toEqual([["k", "new", 7, ValueKind.VALUE]]);
    expect(m.bytes).toBe(1 + 3 + ENTRY_OVERHEAD + 3);
  });
});

describe("the MemTable's filter (memtable-filter.ts)", () => {
  test("never hides a key the MemTable holds, at any size: every added key may be there", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 300 }), fc.integer({ min: 1, max: 4096 }), (keys, size) => {
        const filter = new MemTableFilter(size);
        for (const k of keys) filter.add(k);
        return keys.every((k) => filter.mayContain(k));
      }),
    );
  });

  test("rules out most keys it was not given (32 bits a key: well under 1% false positives), and a MemTable's get of one finds nothing", () => {
    const filter = new MemTableFilter(32 * 1000 / 8);
    const key = (i: number) => bytes(`key-${i}`);
    for (let i = 0; i < 1000; i++) filter.add(key(i));
    let falsePositives = 0;
    for (let i = 1000; i < 101_000; i++) if (filter.mayContain(key(i))) falsePositives++;
    expect(falsePositives).toBeLessThan(1000); // 1% of 100,000; 3 probes at 32 bits a key give about 0.1%
    expect(new MemTableFilter(0).mayContain(key(1))).toBe(false); // an empty filter holds nothing

    const mem = new MemTable(256);
    mem.put(key(1), bytes("v"), 1);
    mem.put(key(2), bytes(""), 2, ValueKind.DELETION);
    expect([mem.get(key(1))?.sequence, mem.get(key(2))?.kind, mem.get(key(3))]).toEqual([1, ValueKind.DELETION, null]);
  });
});
