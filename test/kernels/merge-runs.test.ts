// The merge-of-sorted-runs kernel (assembly/merge.ts, mergeRunsJs in src/kernels/js.ts): wasm and
// its TypeScript twin give the same order and same-user-key flags for any runs, and on sorted runs
// that order is internal-key order (FORMAT.md "Keys"), the lower run first on equal keys.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compareKeys } from "../../src/kernels/js.js";
import { packBytes } from "../../src/kernels/packed.js";
import { KeyOrder, type PackedBytes } from "../../src/kernels/types.js";
import { internalKey, ValueKind } from "../../src/sstable/format.js";
import { soakSize } from "../support/soak.js";
import { bothPaths, js, utf8, wasm } from "./kernels.js";

const RUNS = { numRuns: soakSize(300, 3000) };
const internal = (a: Uint8Array, b: Uint8Array) => compareKeys(a, 0, a.length, b, 0, b.length, KeyOrder.INTERNAL);

// few distinct user keys (some prefixes of others) and sequences up to 2^53-1, so runs share user
// keys at different sequences, and sometimes whole internal keys
const userKey = fc.oneof(fc.constantFrom("", "a", "ab", "abc", "b", "k\u00ff", "zz").map(utf8), fc.uint8Array({ maxLength: 12 }));
const sequence = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(Number.MAX_SAFE_INTEGER), fc.nat({ max: Number.MAX_SAFE_INTEGER }));
const entry = fc.tuple(userKey, sequence, fc.constantFrom(ValueKind.VALUE, ValueKind.DELETION)).map(([k, s, kind]) => internalKey(k, s, kind));
const sortedRun = fc.array(entry, { maxLength: 30 }).map((keys) => {
  const sorted = [...keys].sort(internal);
  return sorted.filter((x, i) => i === 0 || internal(sorted[i - 1], x) !== 0);
});

/** Each run as a view into a batch of its own, after `lead` junk entries and before one more. */
function asRuns(runs: Uint8Array[][], lead: number): PackedBytes[] {
  return runs.map((run, r) => {
    const junk = Array.from({ length: lead + r }, (_, i) => utf8(`junk${i}`));
    const p = packBytes([...junk, ...run, utf8("x")]);
    return { bytes: p.bytes, offsets: p.offsets.subarray(junk.length, junk.length + run.length + 1) };
  });
}

/** The model: every entry with its run, stably sorted by internal key, then run. */
function modelOrder(runs: Uint8Array[][]): { order: number[]; same: number[] } {
  const all = runs.flatMap((r, run) => r.map((key) => ({ key, run })));
  const indexed = all.map((e, i) => ({ ...e, index: i }));
  indexed.sort((a, b) => internal(a.key, b.key) || a.run - b.run);
  const user = (k: Uint8Array) => Buffer.from(k.subarray(0, k.length - 8)).toString("hex");
  return {
    order: indexed.map((e) => e.index),
    same: indexed.map((e, i) => (i > 0 && user(indexed[i - 1].key) === user(e.key) ? 1 : 0)),
  };
}

describe("mergeRuns: wasm and JS agree, and merge into internal-key order", () => {
  test("sorted runs (empty ones, one run, shared user keys, equal keys across runs)", () => {
    fc.assert(
      fc.property(fc.array(sortedRun, { maxLength: 7 }), fc.nat(4), (runs, lead) => {
        const packed = asRuns(runs, lead);
        const w = wasm.mergeRuns(packed);
        const j = js.mergeRuns(packed);
        expect(Array.from(w.order)).toEqual(Array.from(j.order));
        expect(Array.from(w.sameUserKey)).toEqual(Array.from(j.sameUserKey));
        const model = modelOrder(runs);
        expect(Array.from(w.order)).toEqual(model.order);
        expect(Array.from(w.sameUserKey)).toEqual(model.same);
      }),
      RUNS,
    );
  });

  test("unsorted runs: the same order from both (the head scan is the same loop)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(entry, { maxLength: 20 }), { maxLength: 6 }), (runs) => {
        const packed = asRuns(runs, 1);
        const w = wasm.mergeRuns(packed);
        const j = js.mergeRuns(packed);
        expect(Array.from(w.order)).toEqual(Array.from(j.order));
        expect(Array.from(w.sameUserKey)).toEqual(Array.from(j.sameUserKey));
        expect([...w.order].sort((a, b) => a - b)).toEqual(Array.from({ length: w.order.length }, (_, i) => i));
      }),
      RUNS,
    );
  });
});

describe.each(bothPaths)("mergeRuns golden vector and errors (%s)", (_name, k) => {
  test("a@5 c@3 | a@7 b@1 | (empty) merges to a@7 a@5 b@1 c@3", () => {
    const runs = [
      packBytes([internalKey(utf8("a"), 5, ValueKind.VALUE), internalKey(utf8("c"), 3, ValueKind.VALUE)]),
      packBytes([internalKey(utf8("a"), 7, ValueKind.DELETION), internalKey(utf8("b"), 1, ValueKind.VALUE)]),
      packBytes([]),
    ];
    const merged = k.mergeRuns(runs);
    expect(Array.from(merged.order)).toEqual([2, 0, 3, 1]);
    expect(Array.from(merged.sameUserKey)).toEqual([0, 1, 0, 0]);
  });

  test("no runs, or only empty ones, merge to nothing", () => {
    expect(k.mergeRuns([]).order.length).toBe(0);
    expect(k.mergeRuns([packBytes([]), packBytes([])]).order.length).toBe(0);
  });

  test("a key without its 8-byte trailer is a RangeError", () => {
    const good = packBytes([internalKey(utf8("a"), 1, ValueKind.VALUE)]);
    expect(() => k.mergeRuns([good, packBytes([utf8("short")])])).toThrow(/shorter than an internal key's 8-byte trailer/);
    expect(k.mergeRuns([good, good]).order.length).toBe(2);
  });
});
