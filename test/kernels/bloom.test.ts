// The Bloom filter's promises: no false negatives ever, and a false-positive rate at 10 bits per
// key of at most 1.0% over a million absent keys (the blocked layout's floor is 0.957%).
import { describe, expect, test } from "vitest";
import { bloomProbes, bloomShape } from "../../src/kernels/bloom-layout.js";
import { packStrings } from "../../src/kernels/packed.js";
import { js, wasm } from "./kernels.js";

const PRESENT = 1_000_000;
const ABSENT = 1_000_000;
const present = packStrings(Array.from({ length: PRESENT }, (_, i) => `user:${i}`));
const absent = packStrings(Array.from({ length: ABSENT }, (_, i) => `user:${PRESENT + i}`));

describe("Bloom filter at 10 bits per key, 1M keys user:0..999999", () => {
  const { numLines, k } = bloomShape(PRESENT, 10);
  const lines = wasm.bloomBuild(present, numLines, k);
  const filter = wasm.loadFilter(lines, numLines, k);

  test("shape: 512-bit lines, k = 6", () => {
    expect(k).toBe(6);
    expect(numLines).toBe(Math.ceil((PRESENT * 10) / 512));
  });

  test("no false negatives", () => {
    const out = new Uint8Array(PRESENT);
    expect(filter.mayContainBatch(present, out)).toBe(PRESENT);
  });

  test("false-positive rate <= 1.0% over 1M absent keys (user:1000000..1999999)", () => {
    const out = new Uint8Array(ABSENT);
    const positives = filter.mayContainBatch(absent, out);
    const fpr = positives / ABSENT;
    console.log(`bloom FPR at 10 bits/key: ${(fpr * 100).toFixed(4)}% (${positives} of ${ABSENT})`);
    expect(fpr).toBeLessThanOrEqual(0.01);
    expect(fpr).toBeGreaterThan(0.005); // a rate far below the floor would mean the probe is broken
    // The JS twin counts the same positives on the same filter.
    expect(js.loadFilter(lines, numLines, k).mayContainBatch(absent, new Uint8Array(ABSENT))).toBe(positives);
  });
});

test("k for other bits per key stays in range", () => {
  expect([1, 2, 4, 8, 10, 16, 20, 64].map(bloomProbes)).toEqual([1, 1, 2, 5, 6, 10, 12, 24]);
  expect(bloomShape(0, 10)).toEqual({ numLines: 1, k: 6 });
  expect(() => bloomShape(-1, 10)).toThrow(RangeError);
  expect(() => bloomShape(10, 0)).toThrow(RangeError);
});
