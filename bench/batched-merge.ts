// An experiment, for the end-to-end measure of compaction-run.ts: the compaction job's loop with
// its merge done by the mergeRuns kernel over batches pulled from each input, instead of by the
// MergingIterator entry by entry. Same drop rules and output cuts as src/lsm/compaction-job.ts
// (no grandparents: the bench has none). Not wired into the store: see the report in bench/README.md.

import { compareBytes, compareKeys } from "../src/kernels/js.js";
import { PackedBuilder } from "../src/kernels/packed.js";
import { KeyOrder, type Kernels, type PackedBytes } from "../src/kernels/types.js";
import type { InternalIterator } from "../src/lsm/internal-iterator.js";
import type { TableFile, WrittenTable } from "../src/lsm/table-file.js";
import type { TableIterator } from "../src/sstable/reader.js";
import { encodeTrailer, ValueKind } from "../src/sstable/format.js";

/** Entries pulled from one input per refill. */
const BATCH = 2048;

/** An input: pushes its next entry (internal key, value) into keys and values; false at its end. */
export type Pull = (keys: PackedBuilder, values: PackedBuilder) => boolean;

/** An internal iterator's entries, each user key given its trailer again (FORMAT.md "Keys"). */
export function pullInternal(it: InternalIterator): Pull {
  let started = false;
  let scratch = new Uint8Array(256);
  return (keys, values) => {
    const e = started ? it.next() : it.first();
    started = true;
    if (e === null) return false;
    const n = e.key.length + 8;
    if (n > scratch.length) scratch = new Uint8Array(2 * n);
    scratch.set(e.key);
    encodeTrailer(scratch, e.key.length, e.sequence, e.kind);
    keys.pushPrefix(scratch, n);
    values.push(e.value);
    return true;
  };
}

/** A table iterator's entries, its internal keys as they are. */
export function pullTable(it: TableIterator): Pull {
  let started = false;
  return (keys, values) => {
    const e = started ? it.next() : it.first();
    started = true;
    if (e === null) return false;
    keys.push(e.key);
    values.push(e.value);
    return true;
  };
}

/** One input's next entries as internal keys and values, in order. */
class RunBuffer {
  readonly keys = new PackedBuilder();
  readonly values = new PackedBuilder();
  done = false;

  constructor(private readonly pull: Pull) {}

  fill(): void {
    while (!this.done && this.keys.count < BATCH) if (!this.pull(this.keys, this.values)) this.done = true;
  }

  /** How many buffered keys are <= bound (internal order). */
  countUpTo(bound: Uint8Array): number {
    const { bytes, offsets } = this.keys.view();
    let lo = 0, hi = this.keys.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(bytes, offsets[mid], offsets[mid + 1] - offsets[mid], bound, 0, bound.length, KeyOrder.INTERNAL) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function sequenceOf(key: Uint8Array): number {
  const t = key.length - 8;
  let s = 0;
  for (let i = 7; i >= 1; i--) s = s * 256 + key[t + i];
  return s;
}

export interface BatchedJobOptions {
  readonly kernels: Kernels;
  readonly inputs: readonly Pull[];
  readonly smallestSnapshot: number;
  readonly isBaseLevelForKey: (userKey: Uint8Array) => boolean;
  readonly tableBytes: number;
  readonly newOutput: () => TableFile;
}

export function runBatchedCompaction(o: BatchedJobOptions): { outputs: WrittenTable[]; entriesRead: number; dropped: number } {
  const runs = o.inputs.map((pull) => new RunBuffer(pull));
  const outputs: WrittenTable[] = [];
  let open: TableFile | null = null;
  let entriesRead = 0, dropped = 0;
  let lastUser: Uint8Array | null = null; // the previous entry's user key, across rounds
  let lastSequenceForKey = Number.MAX_SAFE_INTEGER;
  const firsts = new Int32Array(runs.length);
  const views: PackedBytes[] = new Array(runs.length);
  const cuts = new Int32Array(runs.length);
  for (;;) {
    for (const r of runs) if (r.keys.count < BATCH / 2) r.fill();
    // entries up to the smallest last buffered key of an unfinished input can all be merged now
    let bound: Uint8Array | null = null;
    for (const r of runs) {
      if (r.done || r.keys.count === 0) continue;
      const last = r.keys.item(r.keys.count - 1);
      if (bound === null || compareKeys(last, 0, last.length, bound, 0, bound.length, KeyOrder.INTERNAL) < 0) bound = last;
    }
    if (bound !== null) bound = bound.slice();
    let total = 0;
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i];
      cuts[i] = bound === null ? r.keys.count : r.countUpTo(bound);
      const v = r.keys.view();
      views[i] = { bytes: v.bytes, offsets: v.offsets.subarray(0, cuts[i] + 1) };
      firsts[i] = total;
      total += cuts[i];
    }
    if (total === 0) break;
    const { order, sameUserKey } = o.kernels.mergeRuns(views);
    for (let n = 0; n < order.length; n++) {
      const g = order[n];
      let ri = runs.length - 1;
      while (firsts[ri] > g) ri--;
      const r = runs[ri];
      const key = r.keys.item(g - firsts[ri]);
      const userLen = key.length - 8;
      entriesRead++;
      const newKey = n === 0 ? lastUser === null || compareBytes(key, 0, userLen, lastUser, 0, lastUser.length) !== 0 : sameUserKey[n] === 0;
      if (newKey) {
        lastSequenceForKey = Number.MAX_SAFE_INTEGER;
        if (open !== null && open.estimatedSize >= o.tableBytes) {
          outputs.push(open.finish());
          open = null;
        }
      }
      const sequence = sequenceOf(key);
      const kind = key[userLen];
      const shadowed = lastSequenceForKey <= o.smallestSnapshot;
      const deadDeletion = !shadowed && kind === ValueKind.DELETION && sequence <= o.smallestSnapshot && o.isBaseLevelForKey(key.subarray(0, userLen));
      lastSequenceForKey = sequence;
      if (n === order.length - 1) lastUser = key.slice(0, userLen);
      if (shadowed || deadDeletion) {
        dropped++;
        continue;
      }
      open ??= o.newOutput();
      open.add(key.subarray(0, userLen), sequence, kind, r.values.item(g - firsts[ri]));
    }
    for (let i = 0; i < runs.length; i++) {
      runs[i].keys.dropFirst(cuts[i]);
      runs[i].values.dropFirst(cuts[i]);
    }
  }
  if (open !== null) outputs.push(open.finish());
  return { outputs, entriesRead, dropped };
}
