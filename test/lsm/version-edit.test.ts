// The version edit codec (src/lsm/version-edit.ts) against LevelDB's db/version_edit.cc encoding:
// golden bytes for one field of each tag, round trips of any edit, and every truncation, unknown
// tag, out-of-range level and too-large number refused with a CorruptionError at the right offset.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { CorruptionError } from "../../src/sstable/errors.js";
import { internalKey, ValueKind } from "../../src/sstable/format.js";
import { decodeVersionEdit, emptyEdit, encodeVersionEdit, type VersionEdit } from "../../src/lsm/version-edit.js";
import { fromHex, hex, utf8 } from "../kernels/kernels.js";

const edit = (fields: Partial<VersionEdit>): VersionEdit => ({ ...emptyEdit(), ...fields });

/** Each tag's field, with the bytes LevelDB's VersionEdit::EncodeTo writes for it (worked out by hand). */
const GOLDEN: [string, VersionEdit, string][] = [
  ["comparator (1)", edit({ comparator: "leveldb.BytewiseComparator" }), "011a" + hex(utf8("leveldb.BytewiseComparator"))],
  ["log number (2), a two-byte varint", edit({ logNumber: 300 }), "02ac02"],
  ["next file number (3) 2^40", edit({ nextFileNumber: 2 ** 40 }), "03808080808020"],
  ["last sequence (4) 2^53-1", edit({ lastSequence: Number.MAX_SAFE_INTEGER }), "04ffffffffffffff0f"],
  ["compact pointer (5)", edit({ compactPointers: [{ level: 1, key: internalKey(utf8("k"), 7, ValueKind.VALUE) }] }), "0501" + "09" + "6b0107000000000000"],
  ["deleted file (6)", edit({ deletedFiles: [{ level: 2, number: 130 }] }), "06028201"],
  [
    "new file (7)",
    edit({ newFiles: [{ level: 6, number: 9, fileSize: 4096, smallest: internalKey(utf8("a"), 1, ValueKind.VALUE), largest: internalKey(utf8("z"), 2, ValueKind.DELETION) }] }),
    "0706098020" + "09" + "610101000000000000" + "09" + "7a0002000000000000",
  ],
  ["prev log number (9)", edit({ prevLogNumber: 5 }), "0905"],
];

describe("version edit golden bytes", () => {
  test.each(GOLDEN)("%s", (_name, e, bytes) => {
    expect(hex(encodeVersionEdit(e))).toBe(bytes);
    expect(decodeVersionEdit(fromHex(bytes), "MANIFEST-000001", 0)).toEqual(e);
  });

  test("an edit of every field writes them in LevelDB's order: 1 2 9 3 4 5 6 7", () => {
    const all = GOLDEN.reduce<VersionEdit>((acc, [, e]) => ({ ...acc, ...Object.fromEntries(Object.entries(e).filter(([, v]) => !Array.isArray(v) || v.length > 0)) }), emptyEdit());
    const order = [0, 1, 7, 2, 3, 4, 5, 6].map((i) => GOLDEN[i][2]).join("");
    expect(hex(encodeVersionEdit(all))).toBe(order);
    expect(decodeVersionEdit(fromHex(order), "M", 0)).toEqual(all);
  });
});

const number = fc.oneof(fc.nat(1000), fc.constantFrom(0, 127, 128, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.maxSafeNat());
const level = fc.integer({ min: 0, max: 6 });
const key = fc.tuple(fc.uint8Array({ maxLength: 20 }), number.map((n) => n % 2 ** 56), fc.constantFrom(ValueKind.VALUE, ValueKind.DELETION)).map(([u, s, k]) => internalKey(u, s, k));
const arbitraryEdit: fc.Arbitrary<VersionEdit> = fc.record(
  {
    comparator: fc.string({ maxLength: 40 }),
    logNumber: number,
    prevLogNumber: number,
    nextFileNumber: number,
    lastSequence: number,
    compactPointers: fc.array(fc.record({ level, key }), { maxLength: 4 }),
    deletedFiles: fc.array(fc.record({ level, number }), { maxLength: 6 }),
    newFiles: fc.array(fc.record({ level, number, fileSize: number, smallest: key, largest: key }), { maxLength: 6 }),
  },
  { requiredKeys: ["compactPointers", "deletedFiles", "newFiles"] },
);

describe("version edit round trips", () => {
  test("decode(encode(edit)) is the edit, and encoding is deterministic", () => {
    fc.assert(
      fc.property(arbitraryEdit, (e) => {
        const bytes = encodeVersionEdit(e);
        const back = decodeVersionEdit(bytes, "M", 0);
        expect(back).toEqual(e);
        expect(hex(encodeVersionEdit(back))).toBe(hex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  test("the encoder refuses what the format cannot hold", () => {
    expect(() => encodeVersionEdit(edit({ logNumber: 2 ** 53 }))).toThrow(RangeError);
    expect(() => encodeVersionEdit(edit({ lastSequence: -1 }))).toThrow(RangeError);
    expect(() => encodeVersionEdit(edit({ deletedFiles: [{ level: 7, number: 1 }] }))).toThrow(/level 7 is outside 0..6/);
  });
});

function corruption(bytes: Uint8Array, offset = 1000): CorruptionError {
  try {
    decodeVersionEdit(bytes, "MANIFEST-000007", offset);
  } catch (e) {
    expect(e).toBeInstanceOf(CorruptionError);
    expect((e as CorruptionError).file).toBe("MANIFEST-000007");
    return e as CorruptionError;
  }
  throw new Error(`decoded ${hex(bytes)} without complaint`);
}

describe("version edit corruption", () => {
  test("every truncation inside a field is refused; a cut between fields leaves the fields before it", () => {
    const fields = GOLDEN.map(([, e]) => encodeVersionEdit(e));
    const whole = fromHex(fields.map(hex).join(""));
    const boundaries = new Map<number, number>(); // cut -> fields wholly before it
    let at = 0;
    boundaries.set(0, 0);
    fields.forEach((f, i) => boundaries.set((at += f.length), i + 1));
    for (let cut = 0; cut <= whole.length; cut++) {
      const prefix = whole.subarray(0, cut);
      const n = boundaries.get(cut);
      if (n === undefined) {
        const e = corruption(prefix);
        const fieldStart = Math.max(...[...boundaries.keys()].filter((b) => b < cut));
        expect(e.offset, `cut at ${cut}`).toBe(1000 + fieldStart);
        expect(e.check).toMatch(/cut short|run past the end/);
      } else {
        const want = GOLDEN.slice(0, n).reduce<Partial<VersionEdit>>((acc, [, e]) => ({ ...acc, ...stripEmpty(e) }), {});
        expect(decodeVersionEdit(prefix, "M", 0)).toEqual(edit(want));
      }
    }
  });

  test.each([
    ["0", "tag 0"],
    ["08", "tag 8 (LevelDB's retired large-value reference)"],
    ["0a", "tag 10"],
    ["ff7f", "a two-byte tag"],
  ])("unknown tag %s (%s) is refused", (tagHex) => {
    const bytes = fromHex("0205" + tagHex.padStart(2, "0") + "00");
    const e = corruption(bytes);
    expect(e.offset).toBe(1002);
    expect(e.check).toMatch(/unknown version edit tag/);
  });

  test.each([
    ["compact pointer", "0507" + "00", 1001],
    ["deleted file", "060701", 1001],
    ["new file", "07070101" + "00" + "00", 1001],
    // Not a varint32 at all: reported where its field starts.
    ["deleted file (a level past 2^32)", "06ffffffff7f01", 1000],
  ])("a %s level outside 0..6 is refused", (_what, h, offset) => {
    const e = corruption(fromHex(h));
    expect(e.offset).toBe(offset);
    expect(e.check).toMatch(/level|varint32/);
  });

  test("a number past 2^53-1 is refused, 2^53-1 itself is exact", () => {
    expect(corruption(fromHex("02" + "80808080808080" + "10")).check).toMatch(/past 2\^53-1/);
    expect(decodeVersionEdit(fromHex("02" + "ffffffffffffff0f"), "M", 0).logNumber).toBe(Number.MAX_SAFE_INTEGER);
    // An 11-byte varint64 is too long whatever it holds.
    expect(corruption(fromHex("02" + "80".repeat(10) + "00")).check).toMatch(/too long/);
  });
});

function stripEmpty(e: VersionEdit): Partial<VersionEdit> {
  return Object.fromEntries(Object.entries(e).filter(([, v]) => !Array.isArray(v) || v.length > 0));
}
