// A model test of the database iterator over a merging iterator: fast-check sequences of puts and
// deletes at increasing sequences, dealt over MemTables and tables (every child under
// `invalidating`), read at a random snapshot with optional bounds, against a sorted map of what
// that snapshot sees; random walks of first/last/next/prev/seekGE/seekLT, forward and reverse,
// must agree with the map step by step, plain and with the database iterator itself under
// `invalidating`, so neither iterator keeps a view past the move that spoils it.
import fc from "fast-check";
import { expect, test } from "vitest";
import { DbIterator, type DbEntry } from "../../src/lsm/db-iterator.js";
import type { InternalEntry } from "../../src/lsm/internal-iterator.js";
import { compareInternal, MergingIterator } from "../../src/lsm/merging-iterator.js";
import { ValueKind } from "../../src/sstable/format.js";
import { invalidating, iteratorMove, modelMove, type ContractIterator, type Op } from "../sstable/iterator-contract.js";
import { dealChildren, type ChildKind } from "./merge-children.js";

interface Write {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null; // null: a deletion
  readonly child: number;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const cmp = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);
const show = (e: DbEntry | null) => (e === null ? null : `${hex(e.key)}=${hex(e.value)}`);

// few distinct keys, so keys get several versions and deletions hit keys that exist
const key = fc.oneof(fc.constantFrom(...[[0x61], [0x61, 0x00], [0x62], [0x63], [0xff, 0xff], [0x00]].map((b) => new Uint8Array(b))), fc.uint8Array({ minLength: 1, maxLength: 2 }));
const write: fc.Arbitrary<Write> = fc.record({ key, value: fc.option(fc.uint8Array({ maxLength: 12 }), { nil: null, freq: 3 }), child: fc.nat(7) });
const layout = fc.constantFrom<ChildKind[]>(["memtable"], ["memtable", "table"], ["memtable", "memtable", "table", "table", "table"], ["table", "table", "table"]);

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constantFrom({ op: "first" } as const, { op: "last" } as const),
  fc.constantFrom({ op: "next" } as const, { op: "prev" } as const),
  fc.constantFrom({ op: "next" } as const, { op: "prev" } as const),
  fc.tuple(fc.constantFrom("seekGE" as const, "seekLT" as const), key).map(([o, k]) => ({ op: o, key: k })),
);

/** Write i at sequence i + 1, as internal entries in internal-key order. */
function internalEntries(writes: Write[]): InternalEntry[] {
  return writes
    .map((w, i) => ({ key: w.key, sequence: i + 1, kind: w.value === null ? ValueKind.DELETION : ValueKind.VALUE, value: w.value ?? new Uint8Array(0) }))
    .sort(compareInternal);
}

/** The sorted map a snapshot sees, within the bounds: [key, value] by key. */
function modelAt(writes: Write[], snapshot: number, gte?: Uint8Array, lt?: Uint8Array): DbEntry[] {
  const live = new Map<string, DbEntry>();
  writes.forEach((w, i) => {
    if (i + 1 > snapshot) return;
    if (w.value === null) live.delete(hex(w.key));
    else live.set(hex(w.key), { key: w.key, value: w.value });
  });
  return [...live.values()].filter((e) => (gte === undefined || cmp(e.key, gte) >= 0) && (lt === undefined || cmp(e.key, lt) < 0)).sort((a, b) => cmp(a.key, b.key));
}

/** A seek's index in the model: what DbIterator's seekGE / seekLT of a user key should land on. */
function modelSeek(model: DbEntry[], o: Extract<Op, { key: Uint8Array }>): number {
  if (o.op === "seekGE") return model.findIndex((e) => cmp(e.key, o.key) >= 0);
  return model.filter((e) => cmp(e.key, o.key) < 0).length - 1;
}

const scenario = fc.record({
  writes: fc.array(write, { maxLength: 120 }),
  kinds: layout,
  snapshotAt: fc.option(fc.double({ min: 0, max: 1.1, noNaN: true }), { nil: undefined }), // a fraction of the writes; none: LATEST
  gte: fc.option(key, { nil: undefined }),
  lt: fc.option(key, { nil: undefined }),
  ops: fc.array(op, { minLength: 1, maxLength: 150 }),
});

for (const [mode, wrap] of [["", (it: DbIterator): ContractIterator<DbEntry> => it], [", invalidating", (it: DbIterator) => invalidating<DbEntry>(it)]] as const) {
  test(`database iterator${mode}: random walks at a snapshot, with bounds, agree with the snapshot's sorted map`, () => {
    fc.assert(
      fc.property(scenario, ({ writes, kinds, snapshotAt, gte, lt, ops }) => {
        const snapshot = snapshotAt === undefined ? Infinity : Math.floor(snapshotAt * writes.length);
        const model = modelAt(writes, snapshot, gte, lt);
        const children = dealChildren(internalEntries(writes), kinds, (e) => writes[e.sequence - 1].child);
        const it = wrap(new DbIterator(new MergingIterator(children), { snapshot, gte, lt }));
        const forward: (string | null)[] = [];
        for (let e = it.first(); e !== null; e = it.next()) forward.push(show(e));
        expect(forward).toEqual(model.map(show));
        const backward: (string | null)[] = [];
        for (let e = it.last(); e !== null; e = it.prev()) backward.push(show(e));
        expect(backward).toEqual(model.map(show).reverse());
        let pos = -1;
        for (const o of ops) {
          pos = modelMove(model.length, pos, o, (seek) => modelSeek(model, seek));
          expect(show(iteratorMove(it, o))).toBe(pos < 0 ? null : show(model[pos]));
        }
        it.close();
      }),
      { numRuns: 400 },
    );
  });
}

test("database iterator: turning forward from the first key, with the internal iterator off the front, lands on the second", () => {
  const [a, b] = [new Uint8Array([1]), new Uint8Array([2])];
  const writes: Write[] = [
    { key: b, value: new Uint8Array([20]), child: 0 },
    { key: a, value: new Uint8Array([10]), child: 1 },
  ];
  const it = new DbIterator(new MergingIterator(dealChildren(internalEntries(writes), ["memtable", "table"], (e) => writes[e.sequence - 1].child)));
  expect(show(it.seekLT(b))).toBe("01=0a");
  expect(show(it.next())).toBe("02=14");
  expect(show(it.prev())).toBe("01=0a");
  expect(it.prev()).toBeNull();
  expect(it.next()).toBeNull();
});

test("database iterator: a deletion hides older values, a snapshot sees the value before it, and moves after close() throw", () => {
  const k = new Uint8Array([7]);
  const writes: Write[] = [
    { key: k, value: new Uint8Array([1]), child: 1 },
    { key: k, value: null, child: 0 },
  ];
  const open = (snapshot?: number) => new DbIterator(new MergingIterator(dealChildren(internalEntries(writes), ["memtable", "table"], (e) => writes[e.sequence - 1].child)), { snapshot });
  expect(open().first()).toBeNull();
  expect(open().last()).toBeNull();
  const old = open(1);
  expect(show(old.seekGE(k))).toBe("07=01");
  expect(show(old.seekLT(new Uint8Array([8])))).toBe("07=01");
  old.close();
  expect(() => old.next()).toThrow(/close/);
});
