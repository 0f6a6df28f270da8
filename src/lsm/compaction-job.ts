// The merge of a compaction (LevelDB's DBImpl::DoCompactionWork): every entry of the inputs in
// internal-key order, written to output tables cut at the table size, less what no reader can
// see. A pure function of its inputs: it reads iterators and writes through `newOutput`, and knows
// nothing of the store, so it can run in slices between requests or in a worker.
//
// What is dropped (db_impl.cc): a version of a user key when a newer version of it is at or below
// the oldest snapshot (every reader sees the newer one); a deletion at or below the oldest snapshot
// when no level under the output holds the key (there is nothing left for it to hide). Everything
// else is copied with its sequence number.
//
// Outputs are cut only between user keys, so the versions of a key never straddle two tables of a
// level (a lookup asks one table per level), and before a key whose overlap with the level under
// the output (the grandparents) would pass maxGrandparentOverlap, so that the next compaction of
// each output stays small (LevelDB's ShouldStopBefore).

import { compareBytes } from "../kernels/js.js";
import { ValueKind } from "../sstable/format.js";
import type { InternalIterator } from "./internal-iterator.js";
import { MergingIterator } from "./merging-iterator.js";
import type { TableFile, WrittenTable } from "./table-file.js";
import { userKeyOf, type TableMeta } from "./version.js";

export interface CompactionJobOptions {
  /** The inputs' iterators, newest first; the job closes them. */
  readonly inputs: readonly InternalIterator[];
  /** The oldest sequence a reader may read at: the oldest snapshot's, or the last sequence. */
  readonly smallestSnapshot: number;
  /** Whether no level under the output holds userKey (then a deletion of it can go). */
  readonly isBaseLevelForKey: (userKey: Uint8Array) => boolean;
  readonly grandparents: readonly TableMeta[];
  readonly maxGrandparentOverlap: number;
  readonly tableBytes: number;
  /** Opens the next output table. */
  readonly newOutput: () => TableFile;
  /** Called between entries; a promise returned is awaited (a slice's end: let requests in). */
  readonly pause?: () => Promise<void> | null;
}

export interface CompactionJobResult {
  readonly outputs: readonly WrittenTable[];
  readonly entriesRead: number;
  /** Versions dropped: shadowed by a newer one, or deletions with nothing under them. */
  readonly dropped: number;
}

const cmp = (a: Uint8Array, b: Uint8Array) => compareBytes(a, 0, a.length, b, 0, b.length);
const NO_SEQUENCE = Number.MAX_SAFE_INTEGER;

/** Runs the merge; on failure every output it opened is removed and the error thrown. */
export async function runCompactionJob(options: CompactionJobOptions): Promise<CompactionJobResult> {
  const merged = new MergingIterator(options.inputs);
  const outputs: WrittenTable[] = [];
  let open: TableFile | null = null;
  let entriesRead = 0;
  let dropped = 0;
  let currentKey: Uint8Array | null = null;
  let lastSequenceForKey = NO_SEQUENCE;
  let grandparent = 0; // the first grandparent that may still overlap
  let overlap = 0; // grandparent bytes the open output overlaps
  let seenKey = false;
  try {
    for (let e = merged.first(); e !== null; e = merged.next()) {
      entriesRead++;
      const pause = options.pause?.() ?? null;
      if (pause !== null) await pause; // the merging iterator's views stay valid: nothing else moves it
      const newKey = currentKey === null || cmp(e.key, currentKey) !== 0;
      if (newKey) {
        currentKey = e.key.slice();
        lastSequenceForKey = NO_SEQUENCE;
        // a new user key: the place to cut an output, if it is full or overlaps too much below
        const [stop, next, grown] = stopBefore(options, e.key, grandparent, overlap, seenKey);
        seenKey = true;
        grandparent = next;
        overlap = grown;
        if (open !== null && (stop || open.estimatedSize >= options.tableBytes)) {
          outputs.push(open.finish());
          open = null;
          overlap = 0;
        }
      }
      const shadowed = lastSequenceForKey <= options.smallestSnapshot;
      const deadDeletion = !shadowed && e.kind === ValueKind.DELETION && e.sequence <= options.smallestSnapshot && options.isBaseLevelForKey(e.key);
      lastSequenceForKey = e.sequence;
      if (shadowed || deadDeletion) {
        dropped++;
        continue;
      }
      open ??= options.newOutput();
      open.add(e.key, e.sequence, e.kind, e.value);
    }
    if (open !== null) outputs.push(open.finish());
    open = null;
    return { outputs, entriesRead, dropped };
  } catch (err) {
    open?.abandon();
    throw err;
  } finally {
    merged.close();
  }
}

/**
 * Whether an output should end before userKey (LevelDB's Compaction::ShouldStopBefore): the
 * grandparents passed since the last output began add up to more than the allowed overlap. Returns
 * that, the index of the first grandparent not yet passed, and the overlap so far.
 */
function stopBefore(options: CompactionJobOptions, userKey: Uint8Array, index: number, overlap: number, seenKey: boolean): [boolean, number, number] {
  const gp = options.grandparents;
  while (index < gp.length && cmp(userKey, userKeyOf(gp[index].largest)) > 0) {
    if (seenKey) overlap += gp[index].fileSize;
    index++;
  }
  return overlap > options.maxGrandparentOverlap ? [true, index, 0] : [false, index, overlap];
}
