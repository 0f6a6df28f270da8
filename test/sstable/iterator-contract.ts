// One iterator contract, run over every iterator we have against a sorted-array model of internal
// entries (user key ascending, then sequence descending, as FORMAT.md "Keys" orders them), with
// several versions of some keys: first/next and last/prev walk every entry in order; seekGE lands
// on the first entry at or after a target, seekLT on the last before it, with or without a
// sequence; after a move returns null, next and prev keep returning null; and a random mix of 200
// moves both ways agrees with the model step by step.
//
// Each target runs plain and under `invalidating` (Pebble's invalidating iterator,
// internal/invalidating/iter.go): the wrapper hands out copies of each entry's key and value and
// spoils them on the next move, so a consumer that keeps a view past the next move (a merging
// iterator comparing with a child's previous key, say) reads garbage and fails.
import fc from "fast-check";
import { expect, test } from "vitest";
import type { InternalIterator } from "../../src/lsm/internal-iterator.js";

/** One internal entry: a user key, its sequence, a value. */
export interface Version {
  readonly key: Uint8Array;
  readonly sequence: number;
  readonly value: Uint8Array;
}

/** Any entry with key and value bytes (E lets the wrapper keep more fields, such as a kind). */
export interface Viewed {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export type ContractIterator<E extends Viewed = Version> = InternalIterator<E>;

export interface ContractTarget {
  /** Builds an iterator over entries in internal-key order, (key, sequence) unique, sequences >= 1. */
  open(entries: Version[]): ContractIterator;
  /** Upper bound on how many entries to generate. */
  maxEntries?: number;
}

/** The byte the invalidating wrapper writes over a spoiled view. */
export const SPOILED = 0xee;

/** Wraps `it` so each entry it returns is a copy, spoiled (every byte SPOILED) by the next move or close. */
export function invalidating<E extends Viewed = Version>(it: ContractIterator<E>): ContractIterator<E> {
  let handedOut: E | null = null;
  const move = (e: E | null): E | null => {
    if (handedOut !== null) {
      handedOut.key.fill(SPOILED);
      handedOut.value.fill(SPOILED);
    }
    handedOut = e === null ? null : { ...e, key: e.key.slice(), value: e.value.slice() };
    return handedOut;
  };
  return {
    first: () => move(it.first()),
    last: () => move(it.last()),
    seekGE: (k, s) => move(it.seekGE(k, s)),
    seekLT: (k, s) => move(it.seekLT(k, s)),
    next: () => move(it.next()),
    prev: () => move(it.prev()),
    close: () => {
      move(null);
      it.close();
    },
  };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const show = (e: Version | null) => (e === null ? null : `${hex(e.key)}@${e.sequence}=${hex(e.value)}`);
const cmp = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);

/** Internal-key order of an entry against (key, sequence); a missing sequence is the newest (sorts first). */
function compareTo(e: Version, key: Uint8Array, sequence = Infinity): number {
  return cmp(e.key, key) || (e.sequence > sequence ? -1 : e.sequence < sequence ? 1 : 0);
}

/** Writes in order, write i at sequence i + 1, sorted into internal-key order. */
function modelEntries(raw: [Uint8Array, Uint8Array][]): Version[] {
  return raw.map(([key, value], i) => ({ key, sequence: i + 1, value })).sort((a, b) => cmp(a.key, b.key) || b.sequence - a.sequence);
}

const firstAtOrAfter = (model: Version[], key: Uint8Array, sequence?: number) => model.findIndex((e) => compareTo(e, key, sequence) >= 0);
function lastBefore(model: Version[], key: Uint8Array, sequence?: number): number {
  const i = firstAtOrAfter(model, key, sequence);
  return (i < 0 ? model.length : i) - 1;
}

// few distinct short keys, so keys repeat and carry several versions
const key = fc.oneof(
  fc.constantFrom(new Uint8Array([0x61]), new Uint8Array([0x61, 0x00]), new Uint8Array([0x62]), new Uint8Array([0xff, 0xff]), new Uint8Array([0x00])),
  fc.uint8Array({ minLength: 1, maxLength: 3 }),
  fc.uint8Array({ minLength: 1, maxLength: 20 }),
);
const value = fc.uint8Array({ maxLength: 40 });
const sequence = fc.option(fc.integer({ min: 0, max: 320 }), { nil: undefined });

/** One move of a random walk; a seek's sequence is left out where the iterator takes user keys only. */
export type Op = { op: "first" | "last" | "next" | "prev" } | { op: "seekGE" | "seekLT"; key: Uint8Array; sequence?: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constantFrom({ op: "first" } as const, { op: "last" } as const),
  fc.constantFrom({ op: "next" } as const, { op: "prev" } as const),
  fc.constantFrom({ op: "next" } as const, { op: "prev" } as const),
  fc.tuple(fc.constantFrom("seekGE" as const, "seekLT" as const), key, sequence).map(([o, k, s]) => ({ op: o, key: k, sequence: s })),
);

/**
 * Where a sorted model of `length` entries lands after `o` from position pos (-1: unpositioned);
 * `seek` gives a seek's index in the model (-1: none).
 */
export function modelMove(length: number, pos: number, o: Op, seek: (o: Extract<Op, { key: Uint8Array }>) => number): number {
  switch (o.op) {
    case "first":
      return length > 0 ? 0 : -1;
    case "last":
      return length - 1;
    case "next":
      return pos < 0 || pos + 1 >= length ? -1 : pos + 1;
    case "prev":
      return pos < 0 ? -1 : pos - 1;
    case "seekGE":
    case "seekLT":
      return seek(o);
  }
}

/** Makes the move `o` on the iterator. */
export function iteratorMove<E extends Viewed>(it: ContractIterator<E>, o: Op): E | null {
  if (o.op === "seekGE") return it.seekGE(o.key, o.sequence);
  if (o.op === "seekLT") return it.seekLT(o.key, o.sequence);
  return it[o.op]();
}

export function iteratorContract(name: string, target: ContractTarget): void {
  const max = target.maxEntries ?? 300;
  const entries = fc.array(fc.tuple(key, value), { maxLength: max }).map(modelEntries);
  for (const [mode, wrap] of [["", (it: ContractIterator) => it], [", invalidating", invalidating]] as const) {
    const open = (model: Version[]) => wrap(target.open(model));

    test(`${name}${mode}: first/next visits every entry in order, last/prev in reverse, then null`, () => {
      fc.assert(
        fc.property(entries, (model) => {
          const it = open(model);
          const forward: (string | null)[] = [];
          for (let e = it.first(); e !== null; e = it.next()) forward.push(show(e));
          expect(forward).toEqual(model.map(show));
          expect(it.next()).toBeNull();
          expect(it.prev()).toBeNull();
          const backward: (string | null)[] = [];
          for (let e = it.last(); e !== null; e = it.prev()) backward.push(show(e));
          expect(backward).toEqual(model.map(show).reverse());
          expect(it.prev()).toBeNull();
          expect(it.next()).toBeNull();
          it.close();
        }),
        { numRuns: 40 },
      );
    });

    test(`${name}${mode}: seekGE and seekLT land beside the target, with or without a sequence; next and prev go on from there`, () => {
      fc.assert(
        fc.property(entries, fc.array(fc.tuple(key, sequence), { maxLength: 20 }), (model, targets) => {
          const it = open(model);
          const exact = model.slice(0, 6).flatMap((e): [Uint8Array, number | undefined][] => [[e.key, e.sequence], [e.key, undefined], [e.key, e.sequence - 1]]);
          for (const [k, s] of [...targets, ...exact]) {
            const ge = firstAtOrAfter(model, k, s);
            expect(show(it.seekGE(k, s))).toBe(ge < 0 ? null : show(model[ge]));
            if (ge >= 0) expect(show(it.next())).toBe(show(model[ge + 1] ?? null));
            if (ge >= 0) expect(show(it.seekGE(k, s))).toBe(show(model[ge]));
            if (ge >= 0) expect(show(it.prev())).toBe(show(model[ge - 1] ?? null));
            const lt = lastBefore(model, k, s);
            expect(show(it.seekLT(k, s))).toBe(lt < 0 ? null : show(model[lt]));
            if (lt >= 0) expect(show(it.prev())).toBe(show(model[lt - 1] ?? null));
            if (lt >= 0) expect(show(it.seekLT(k, s))).toBe(show(model[lt]));
            if (lt >= 0) expect(show(it.next())).toBe(show(model[lt + 1] ?? null));
          }
          it.close();
        }),
        { numRuns: 40 },
      );
    });

    test(`${name}${mode}: 200 random moves both ways agree with the model`, () => {
      fc.assert(
        fc.property(entries, fc.array(op, { minLength: 200, maxLength: 200 }), (model, ops) => {
          const it = open(model);
          let pos = -1; // model position of the last returned entry; -1 unpositioned
          for (const o of ops) {
            pos = modelMove(model.length, pos, o, (s) => (s.op === "seekGE" ? firstAtOrAfter : lastBefore)(model, s.key, s.sequence));
            expect(show(iteratorMove(it, o))).toBe(pos < 0 ? null : show(model[pos]));
          }
          it.close();
        }),
        { numRuns: 25 },
      );
    });
  }

  test(`${name}: moves after close() throw`, () => {
    const it = target.open(modelEntries([[new Uint8Array([1]), new Uint8Array([2])]]));
    expect(show(it.first())).toBe("01@1=02");
    it.close();
    expect(() => it.next()).toThrow(/close/);
    expect(() => it.first()).toThrow(/close/);
  });
}
