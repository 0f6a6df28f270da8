// The MemTable against a sorted-map model, and what its footprint counts.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ENTRY_OVERHEAD, MemTable } from "../../src/lsm/memtable.js";
import { ValueKind } from "../../src/sstable/format.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Every entry of the table as [key, value, sequence, kind], in its order. */
function contents(m: MemTable): [string, string, number, ValueKind][] {
  return [...m.entries()].map((e) => [text(e.key), text(e.value), e.sequence, e.kind]);
}

/** The model: the last write of each key, sorted by the keys' UTF-8 bytes. */
function modelOf(writes: readonly [string, string, ValueKind][]): [string, string, number, ValueKind][] {
  const last = new Map<string, [string, number, ValueKind]>();
  writes.forEach(([k, v, kind], i) => last.set(k, [v, i + 1, kind]));
  return [...last.entries()]
    .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map(([k, [v, seq, kind]]) => [k, v, seq, kind]);
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

  test("entries are the model's, in byte order; get finds each key and nothing else", () => {
    fc.assert(
      fc.property(fc.array(run, { maxLength: 12 }), (runs) => {
        const writes = writesOf(runs);
        const m = fill(writes);
        const model = modelOf(writes);
        expect(contents(m)).toEqual(model);
        expect(m.count).toBe(model.length);
        for (const [k, v, seq, kind] of model) {
          const e = m.get(bytes(k));
          expect(e && [text(e.value), e.sequence, e.kind]).toEqual([v, seq, kind]);
          expect(m.get(bytes(`${k}\u0000`))).toBeNull();
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

describe("MemTable footprint (what the flush threshold counts)", () => {
  test("a new entry counts its key, its value and ENTRY_OVERHEAD", () => {
    const m = new MemTable();
    m.put(bytes("key"), bytes("value"), 1);
    m.put(bytes("k2"), new Uint8Array(0), 2, ValueKind.DELETION);
    expect(m.bytes).toBe(3 + 5 + ENTRY_OVERHEAD + 2 + 0 + ENTRY_OVERHEAD);
  });

  test("each overwrite adds its value's bytes: the arena keeps the old ones (issue 7 item 16)", () => {
    const m = new MemTable();
    const value = new Uint8Array(1024).fill(0x61);
    const footprints: number[] = [];
    for (let i = 1; i <= 1000; i++) {
      m.put(bytes("hot"), value, i);
      footprints.push(m.bytes);
    }
    expect(m.count).toBe(1);
    expect(footprints[0]).toBe(3 + 1024 + ENTRY_OVERHEAD);
    for (let i = 1; i < footprints.length; i++) expect(footprints[i]! - footprints[i - 1]!).toBe(1024);
    expect(m.bytes).toBeGreaterThanOrEqual(1000 * 1024); // passes a 1 MiB threshold minus change
    expect(text(m.get(bytes("hot"))!.value)).toBe("a".repeat(1024));
  });

  test("an overwrite with a shorter value, or a deletion, never lowers the footprint", () => {
    const m = new MemTable();
    m.put(bytes("k"), new Uint8Array(500), 1);
    const before = m.bytes;
    m.put(bytes("k"), new Uint8Array(10), 2);
    expect(m.bytes).toBe(before + 10);
    m.put(bytes("k"), new Uint8Array(0), 3, ValueKind.DELETION);
    expect(m.bytes).toBe(before + 10);
  });
});
