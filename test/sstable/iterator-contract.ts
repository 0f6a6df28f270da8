// One iterator contract, run over every iterator we have against a sorted-array
// model: first/next walk every entry in order; seekGE lands on the first key >= target; next after a
// seek continues in order; past the end, next keeps returning null; and a random mix of 200
// operations agrees with the model step by step.
import fc from "fast-check";
import { expect, test } from "vitest";

export type KV = [Uint8Array, Uint8Array];

export interface ContractIterator {
  first(): KV | null;
  seekGE(key: Uint8Array): KV | null;
  next(): KV | null;
}

export interface ContractTarget {
  /** Builds an iterator over entries sorted by key bytewise, keys unique. */
  open(entries: KV[]): ContractIterator;
  /** Upper bound on how many entries to generate. */
  maxEntries?: number;
}

const hex = (b: Uint8Array | undefined) => (b === undefined ? "-" : Buffer.from(b).toString("hex"));
const show = (kv: KV | null) => (kv === null ? null : `${hex(kv[0])}=${hex(kv[1])}`);
const cmp = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);

function modelEntries(raw: KV[]): KV[] {
  const sorted = [...raw].sort((a, b) => cmp(a[0], b[0]));
  return sorted.filter((kv, i) => i === 0 || cmp(sorted[i - 1][0], kv[0]) !== 0);
}

const key = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 3 }), fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.constantFrom(new Uint8Array([0xff, 0xff]), new Uint8Array([0x00])));
const value = fc.uint8Array({ maxLength: 40 });

type Op = { op: "first" } | { op: "next" } | { op: "seek"; key: Uint8Array };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ op: "first" } as const),
  fc.constant({ op: "next" } as const),
  fc.constant({ op: "next" } as const),
  key.map((k) => ({ op: "seek", key: k }) as const),
);

export function iteratorContract(name: string, target: ContractTarget): void {
  const max = target.maxEntries ?? 300;
  const entries = fc.array(fc.tuple(key, value), { maxLength: max }).map(modelEntries);

  test(`${name}: first/next visits every entry in order, then null`, () => {
    fc.assert(
      fc.property(entries, (model) => {
        const it = target.open(model);
        const seen: (string | null)[] = [];
        for (let e = it.first(); e !== null; e = it.next()) seen.push(show(e));
        expect(seen).toEqual(model.map(show));
        expect(it.next()).toBeNull();
        expect(it.next()).toBeNull();
      }),
      { numRuns: 60 },
    );
  });

  test(`${name}: seekGE finds the first key >= target, and next continues from there`, () => {
    fc.assert(
      fc.property(entries, fc.array(key, { maxLength: 20 }), (model, targets) => {
        const it = target.open(model);
        for (const t of [...targets, ...model.slice(0, 5).map(([k]) => k)]) {
          const i = model.findIndex(([k]) => cmp(k, t) >= 0);
          expect(show(it.seekGE(t))).toBe(i < 0 ? null : show(model[i]));
          if (i >= 0) expect(show(it.next())).toBe(i + 1 < model.length ? show(model[i + 1]) : null);
        }
      }),
      { numRuns: 60 },
    );
  });

  test(`${name}: 200 random operations agree with the model`, () => {
    fc.assert(
      fc.property(entries, fc.array(op, { minLength: 200, maxLength: 200 }), (model, ops) => {
        const it = target.open(model);
        let pos = -1; // model position of the last returned entry; -1 unpositioned or exhausted
        for (const o of ops) {
          let expected: KV | null;
          let got: KV | null;
          if (o.op === "first") {
            pos = model.length > 0 ? 0 : -1;
            got = it.first();
          } else if (o.op === "seek") {
            pos = model.findIndex(([k]) => cmp(k, o.key) >= 0);
            got = it.seekGE(o.key);
          } else {
            pos = pos < 0 || pos + 1 >= model.length ? -1 : pos + 1;
            got = it.next();
          }
          expected = pos < 0 ? null : model[pos];
          expect(show(got)).toBe(show(expected));
        }
      }),
      { numRuns: 30 },
    );
  });
}
