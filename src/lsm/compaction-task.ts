// A compaction's merge as plain data, and running it from the files (issue 8 item 5: "a pure
// function from input files to output files"). The store describes the merge (the input tables,
// where they are, what may be dropped, where to cut outputs) in a CompactionTask that a
// worker_threads Worker can be sent (structured-clonable: numbers, strings, Uint8Arrays), and the
// worker (compaction-thread.ts) runs it here with its own kernels, reading the inputs and writing
// the outputs itself. Everything else (picking, the directory fsync, the version edit, deleting
// inputs) stays with the store.

import type { Kernels } from "../kernels/types.js";
import { BlockCache } from "../sstable/block-cache.js";
import { Table } from "../sstable/reader.js";
import { runCompactionJob, type CompactionJobResult } from "./compaction-job.js";
import type { Env } from "./env.js";
import { tableInternalIterator, type InternalIterator } from "./internal-iterator.js";
import { LevelIterator, type OpenedTable } from "./level-iterator.js";
import { tableName } from "./store-files.js";
import { TableFile } from "./table-file.js";
import { compareUserKey, findTable, type TableMeta } from "./version.js";

/** An input table, and where it is on disk now. */
export interface TaskTable extends TableMeta {
  readonly path: string;
  readonly tailSize?: number;
}

export interface CompactionTask {
  readonly dir: string;
  readonly outputLevel: number;
  /** Level-0 inputs, newest first: each merged as its own iterator (they overlap). */
  readonly overlapping: readonly TaskTable[];
  /** Sorted runs (a level's inputs, in key order): each merged as one level iterator. */
  readonly sorted: readonly (readonly TaskTable[])[];
  readonly smallestSnapshot: number;
  /** The tables of every level under the output level (for "is the output the base level for a key"). */
  readonly deeperLevels: readonly (readonly TableMeta[])[];
  readonly grandparents: readonly TableMeta[];
  readonly maxGrandparentOverlap: number;
  readonly tableBytes: number;
  readonly bitsPerKey: number;
  readonly blockSize: number | undefined;
}

/** Block cache of one task's reads: a merge reads each block once, so a little is enough. */
const TASK_BLOCK_CACHE_BYTES = 1 << 20;

/**
 * Runs the merge: inputs opened on env, outputs named tableName(outputLevel, newNumber()). On
 * failure every output it began is removed (finished ones too) and the error thrown.
 */
export async function runCompactionTask(task: CompactionTask, env: Env, kernels: Kernels, newNumber: () => number): Promise<CompactionJobResult> {
  const blockCache = new BlockCache(TASK_BLOCK_CACHE_BYTES);
  const open = (t: TaskTable): OpenedTable => {
    const table = Table.open(env.openRead(t.path), { kernels, tailSizeHint: t.tailSize, blockCache });
    return { iterator: tableInternalIterator(table.iterator()), release: () => table.close() };
  };
  const released: (() => void)[] = [];
  const outputs: TableFile[] = [];
  try {
    const iterators: InternalIterator[] = [];
    for (const t of task.overlapping) {
      const o = open(t);
      released.push(o.release);
      iterators.push(o.iterator);
    }
    for (const run of task.sorted) if (run.length > 0) iterators.push(new LevelIterator(run, (t) => open(t as TaskTable)));
    return await runCompactionJob({
      inputs: iterators,
      smallestSnapshot: task.smallestSnapshot,
      isBaseLevelForKey: (key) => isBaseLevelForKey(task.deeperLevels, key),
      grandparents: task.grandparents,
      maxGrandparentOverlap: task.maxGrandparentOverlap,
      tableBytes: task.tableBytes,
      newOutput: () => {
        const n = newNumber();
        const out = new TableFile(env, task.dir, task.outputLevel, n, tableName(task.outputLevel, n), { kernels, bitsPerKey: task.bitsPerKey, blockSize: task.blockSize });
        outputs.push(out);
        return out;
      },
    });
  } catch (err) {
    for (const out of outputs) out.abandon();
    throw err;
  } finally {
    for (const r of released) r();
  }
}

/** Whether no table of these levels may hold userKey (LevelDB's Compaction::IsBaseLevelForKey). */
export function isBaseLevelForKey(levels: readonly (readonly TableMeta[])[], userKey: Uint8Array): boolean {
  for (const tables of levels) {
    const t = tables[findTable(tables, userKey)];
    if (t !== undefined && compareUserKey(t.smallest, userKey) <= 0) return false;
  }
  return true;
}

/** A table's metadata with its own copies of the keys (a view into a larger buffer would be sent whole). */
export function copiedMeta(t: TableMeta): TableMeta {
  return { level: t.level, number: t.number, name: t.name, fileSize: t.fileSize, smallest: t.smallest.slice(), largest: t.largest.slice() };
}
