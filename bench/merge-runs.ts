// The merge-runs workload: one op is one entry of a K-way merge of sorted runs of internal keys, as
// a compaction of K overlapping level-0 tables sees them. Cases: the mergeRuns kernel on wasm and
// its JS twin (one call over all runs in one packed batch), and the path compaction-job.ts takes
// today, a MergingIterator over K in-memory children plus the job's user-key comparison. All three
// leave the same checksum: a rolling hash of the merged order and of the same-user-key flags.

import { compareBytes } from "../src/kernels/js.js";
import { PackedBuilder } from "../src/kernels/packed.js";
import type { Kernels, PackedBytes } from "../src/kernels/types.js";
import type { InternalEntry, InternalIterator } from "../src/lsm/internal-iterator.js";
import { MergingIterator } from "../src/lsm/merging-iterator.js";
import { encodeTrailer, ValueKind } from "../src/sstable/format.js";
import { once, type Dataset } from "./data.js";
import type { Case, Runner, Workload } from "./workloads.js";

export const MERGE_RUNS = 4;

interface Runs {
  /** Internal keys, a packed batch per run. */
  readonly keys: readonly PackedBytes[];
  /** The same entries as InternalEntry objects per run, each knowing its index in keys. */
  readonly children: readonly IndexedEntry[][];
}

interface IndexedEntry extends InternalEntry {
  readonly index: number;
}

/**
 * `ops` entries over the sorted present keys: of every 5, 4 are new user keys at sequence 2 and the
 * 5th an older version (sequence 1) of the first of them, so a fifth of the merge's steps meet a key
 * already seen. Each entry goes to a pseudo-random run; an older version goes to another run than
 * its newer one.
 */
export function buildRuns(d: Dataset, ops: number): Runs {
  const users = d.sorted().views;
  const perRun: { key: Uint8Array; sequence: number }[][] = Array.from({ length: MERGE_RUNS }, () => []);
  let lastRun = 0;
  for (let j = 0; j < ops; j++) {
    const q = Math.floor(j / 5), r5 = j % 5;
    const older = r5 === 4;
    const user = users[older ? 4 * q : 4 * q + r5];
    const run = older ? (lastRun + 1) % MERGE_RUNS : (Math.imul(j + 1, 0x9e3779b1) >>> 24) % MERGE_RUNS;
    if (r5 === 0) lastRun = run;
    perRun[run].push({ key: user, sequence: older ? 1 : 2 });
  }
  const keys: PackedBytes[] = [];
  let index = 0;
  const children: IndexedEntry[][] = [];
  const trailer = new Uint8Array(64);
  for (let r = 0; r < MERGE_RUNS; r++) {
    // a run is sorted: user keys ascending (they were dealt in order), versions newest first
    const run = perRun[r].sort((a, b) => compareBytes(a.key, 0, a.key.length, b.key, 0, b.key.length) || b.sequence - a.sequence);
    const packed = new PackedBuilder();
    children.push(run.map((e) => {
      trailer.set(e.key);
      encodeTrailer(trailer, e.key.length, e.sequence, ValueKind.VALUE);
      packed.pushPrefix(trailer, e.key.length + 8);
      return { key: e.key, sequence: e.sequence, kind: ValueKind.VALUE, value: e.key, index: index++ };
    }));
    keys.push(packed.view());
  }
  return { keys, children };
}

function mix(h: number, v: number): number {
  return (Math.imul(h, 31) + v) >>> 0;
}

function kernelMerge(k: Kernels, runs: (ops: number) => Runs): Case {
  return {
    impl: k.name,
    kind: k.name,
    sameAsWasm: true,
    setup(ops): Runner {
      const { keys } = runs(ops);
      let sum = 0;
      return {
        run() {
          const { order, sameUserKey } = k.mergeRuns(keys);
          let h = 0;
          for (let i = 0; i < order.length; i++) h = mix(h, order[i] * 2 + sameUserKey[i]);
          sum = h;
        },
        checksum: () => sum,
      };
    },
  };
}

/** One run as an internal iterator that only goes forward (all a compaction asks of it). */
function arrayChild(entries: readonly IndexedEntry[]): InternalIterator<IndexedEntry> {
  let i = 0;
  const unsupported = () => {
    throw new Error("merge-runs child: forward only");
  };
  return {
    first: () => ((i = 0), entries[0] ?? null),
    next: () => entries[++i] ?? null,
    last: unsupported, seekGE: unsupported, seekLT: unsupported, prev: unsupported,
    close() {},
  };
}

/** What runCompactionJob does per entry today: MergingIterator.next and a user-key comparison. */
function mergingIteratorCase(runs: (ops: number) => Runs): Case {
  return {
    impl: "merging-iterator",
    kind: "peer",
    sameAsWasm: true,
    setup(ops): Runner {
      const { children } = runs(ops);
      let sum = 0;
      return {
        run() {
          const merged = new MergingIterator(children.map(arrayChild));
          let h = 0;
          let prev: Uint8Array | null = null;
          for (let e = merged.first() as IndexedEntry | null; e !== null; e = merged.next() as IndexedEntry | null) {
            const same = prev !== null && compareBytes(e.key, 0, e.key.length, prev, 0, prev.length) === 0 ? 1 : 0;
            h = mix(h, e.index * 2 + same);
            prev = e.key;
          }
          sum = h;
        },
        checksum: () => sum,
      };
    },
  };
}

export function mergeRunsWorkload(d: Dataset, kernels: readonly Kernels[]): Workload {
  const ops = d.n;
  const full = once(() => buildRuns(d, ops));
  const runs = (n: number) => (n === ops ? full() : buildRuns(d, n)); // a peer may run on fewer ops
  return { name: "merge-runs", ops, cases: [...kernels.map((k) => kernelMerge(k, runs)), mergingIteratorCase(runs)] };
}
