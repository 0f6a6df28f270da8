// The MANIFEST reader and writer (src/lsm/manifest-log.ts): edits framed as log records replay into
// the version they describe (tables per level, numbers, pointers); a torn tail is dropped, damage
// before valid records and edits that contradict the state are refused with CorruptionError.
import { describe, expect, test } from "vitest";
import { CorruptionError } from "../../src/sstable/errors.js";
import { internalKey, ValueKind } from "../../src/sstable/format.js";
import { LOG_BLOCK_SIZE, LogWriter } from "../../src/lsm/wal.js";
import { ManifestWriter, readManifest, snapshotEdit } from "../../src/lsm/manifest-log.js";
import { emptyEdit, type NewFile, type VersionEdit } from "../../src/lsm/version-edit.js";
import { bothPaths, utf8 } from "../kernels/kernels.js";

const ikey = (k: string, seq: number) => internalKey(utf8(k), seq, ValueKind.VALUE);
const table = (level: number, number: number, from: string, to: string, seq = number): NewFile => ({ level, number, fileSize: 1000 + number, smallest: ikey(from, seq), largest: ikey(to, seq) });
const edit = (fields: Partial<VersionEdit>): VersionEdit => ({ ...emptyEdit(), ...fields });

/** A store's life: open, two flushes, a compaction of L0 into L1, a trivial move of L1 into L2. */
const HISTORY: VersionEdit[] = [
  edit({ comparator: "leveldb.BytewiseComparator", logNumber: 1, nextFileNumber: 2, lastSequence: 0 }),
  edit({ logNumber: 3, nextFileNumber: 5, lastSequence: 10, newFiles: [table(0, 4, "a", "m")] }),
  edit({ logNumber: 6, prevLogNumber: 0, nextFileNumber: 8, lastSequence: 20, newFiles: [table(0, 7, "c", "z")] }),
  edit({
    nextFileNumber: 11,
    compactPointers: [{ level: 0, key: ikey("z", 7) }],
    deletedFiles: [{ level: 0, number: 4 }, { level: 0, number: 7 }],
    newFiles: [table(1, 9, "n", "z", 20), table(1, 8, "a", "m", 20)],
  }),
  edit({ deletedFiles: [{ level: 1, number: 9 }], newFiles: [{ ...table(1, 9, "n", "z", 20), level: 2 }] }),
];

function frameAll(writer: ManifestWriter, edits: readonly VersionEdit[]): Uint8Array {
  return Buffer.concat(edits.map((e) => writer.frame(e)));
}

function refusal(f: () => unknown): CorruptionError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CorruptionError);
    return e as CorruptionError;
  }
  throw new Error("no CorruptionError");
}

describe.each(bothPaths)("manifest log (%s kernels)", (_name, kernels) => {
  const read = (b: Uint8Array) => readManifest(kernels, b, "MANIFEST-000002");

  test("replaying a history gives its version", () => {
    const bytes = frameAll(new ManifestWriter(kernels), HISTORY);
    const { state, edits, tornTail, end } = read(bytes);
    expect(edits).toBe(5);
    expect(tornTail).toBeNull();
    expect(end).toBe(bytes.length);
    expect(state.comparator).toBe("leveldb.BytewiseComparator");
    expect([state.logNumber, state.prevLogNumber, state.nextFileNumber, state.lastSequence]).toEqual([6, 0, 11, 20]);
    expect(state.levels.map((l) => l.map((t) => t.number))).toEqual([[], [8], [9], [], [], [], []]);
    const { level: _l, ...nine } = table(1, 9, "n", "z", 20);
    expect(state.levels[2][0]).toEqual(nine);
    expect(state.compactPointers[0]).toEqual(ikey("z", 7));
    expect(state.compactPointers.slice(1).every((p) => p === null)).toBe(true);
  });

  test("a level is sorted by smallest internal key, then number (LevelDB's BySmallestKey)", () => {
    const files = [table(0, 5, "b", "c"), table(0, 3, "a", "q"), { ...table(0, 4, "a", "b"), smallest: ikey("a", 9) }];
    const bytes = frameAll(new ManifestWriter(kernels), [edit({ logNumber: 1, nextFileNumber: 6, lastSequence: 9, newFiles: files })]);
    // "a"@9 sorts before "a"@3: a larger sequence comes first.
    expect(read(bytes).state.levels[0].map((t) => t.number)).toEqual([4, 3, 5]);
  });

  test("edits larger than a block, and a writer that goes on after existing bytes", () => {
    const big = Array.from({ length: 60 }, (_, i) => table(3, 100 + i, `k${String(i).padStart(3, "0")}${"x".repeat(1500)}`, `k${String(i).padStart(3, "0")}y`));
    const first = frameAll(new ManifestWriter(kernels), [HISTORY[0], edit({ newFiles: big.slice(0, 30) })]);
    const second = frameAll(new ManifestWriter(kernels, first.length), [edit({ newFiles: big.slice(30) })]);
    const all = Buffer.concat([first, second]);
    expect(all.length).toBeGreaterThan(2 * LOG_BLOCK_SIZE);
    const { state, edits } = read(all);
    expect(edits).toBe(3);
    expect(state.levels[3].map((t) => t.number)).toEqual(big.map((t) => t.number));
  });

  test("a torn last record is dropped: the version is the one before it", () => {
    const before = frameAll(new ManifestWriter(kernels), HISTORY.slice(0, 4));
    const last = new ManifestWriter(kernels, before.length).frame(HISTORY[4]);
    for (const keep of [1, 7, last.length - 1]) {
      const torn = Buffer.concat([before, last.subarray(0, keep)]);
      const { state, tornTail, end } = read(torn);
      expect(tornTail).toMatchObject({ offset: before.length, torn: true });
      expect(end).toBe(before.length);
      expect(state.levels[1].map((t) => t.number)).toEqual([8, 9]);
      expect(state.levels[2]).toEqual([]);
    }
  });

  test("damage before valid records is refused, at the damaged record's offset", () => {
    const bytes = frameAll(new ManifestWriter(kernels), HISTORY);
    const secondRecord = new ManifestWriter(kernels).frame(HISTORY[0]).length;
    const damaged = Uint8Array.from(bytes);
    damaged[secondRecord + 10] ^= 0x40;
    const e = refusal(() => read(damaged));
    expect(e.file).toBe("MANIFEST-000002");
    expect(e.offset).toBe(secondRecord);
    expect(e.check).toMatch(/manifest record damaged: checksum mismatch/);
  });

  test("a sound record that is not a version edit is refused where its field starts", () => {
    const w = new ManifestWriter(kernels);
    const good = w.frame(HISTORY[0]);
    // A log record (not an edit our encoder would write): log number 5, then tag 8.
    const bad = new LogWriter(kernels, good.length).frame(Uint8Array.of(0x02, 0x05, 0x08, 0x00));
    const e = refusal(() => read(Buffer.concat([good, bad])));
    expect(e.offset).toBe(good.length + 7 + 2);
    expect(e.check).toMatch(/unknown version edit tag 8/);
  });

  test.each([
    ["deletes a table its level does not hold", edit({ deletedFiles: [{ level: 1, number: 4 }] }), /deletes table 4 from level 1, which does not hold it/],
    ["adds a table already live", edit({ newFiles: [table(3, 7, "a", "b")] }), /adds table 7 to level 3, but level 0 already holds it/],
  ])("an edit that %s is refused", (_what, bad, message) => {
    const bytes = frameAll(new ManifestWriter(kernels), [...HISTORY.slice(0, 3), bad]);
    const at = frameAll(new ManifestWriter(kernels), HISTORY.slice(0, 3)).length;
    const e = refusal(() => read(bytes));
    expect(e.offset).toBe(at);
    expect(e.check).toMatch(message);
  });

  test.each([
    ["log number", { logNumber: undefined }],
    ["next file number", { nextFileNumber: undefined }],
    ["last sequence", { lastSequence: undefined }],
  ])("a manifest that sets no %s is refused", (what, without) => {
    const bytes = frameAll(new ManifestWriter(kernels), [edit({ ...HISTORY[0], ...without })]);
    expect(refusal(() => read(bytes)).check).toBe(`the manifest sets no ${what}`);
  });

  test("an empty manifest is refused", () => {
    expect(refusal(() => read(new Uint8Array(0))).check).toMatch(/sets no log number/);
  });

  test("the snapshot edit alone recreates the version", () => {
    const { state } = read(frameAll(new ManifestWriter(kernels), HISTORY));
    const again = read(new ManifestWriter(kernels).frame(snapshotEdit(state)));
    expect(state.deletedTables.length).toBeGreaterThan(0); // the history's deletions: garbage if left on disk
    expect(again.state).toEqual({ ...state, deletedTables: [] }); // a snapshot holds only what is live
    expect(again.edits).toBe(1);
  });
});
