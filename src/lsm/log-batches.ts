// A write-ahead log's records read as write batches (FORMAT.md "Write-ahead log"): readLog
// (wal.ts) finds the records and the byte ranges that are not records; a record that does not
// decode as a batch is one more such range. What to do with them is the reader's choice: the
// store's recovery modes (wal-recovery.ts), or LevelDB's directory reader (leveldb-directory.ts).
// No file I/O, nothing of Node: a browser runs it.

import type { Kernels } from "../kernels/types.js";
import { decodeBatch, readLog, type Batch, type DroppedRange } from "./wal.js";

export interface LogBatch {
  readonly offset: number;
  readonly batch: Batch;
}

/** A log's records decoded as write batches; a record that is not one is a dropped range too. */
export interface DecodedLog {
  readonly file: string;
  readonly size: number;
  readonly batches: LogBatch[];
  /** In file order. */
  readonly dropped: DroppedRange[];
  /** Where the valid records end (readLog's `end`). */
  readonly end: number;
}

export function decodeLog(kernels: Kernels, file: string, bytes: Uint8Array): DecodedLog {
  const contents = readLog(kernels, bytes);
  const batches: LogBatch[] = [];
  const notBatches: DroppedRange[] = [];
  for (const { offset, data } of contents.records) {
    const batch = decodeBatch(data);
    if (batch !== null) batches.push({ offset, batch });
    else notBatches.push({ offset, length: data.length, reason: `a log record of ${data.length} bytes that is not a write batch`, torn: false });
  }
  const dropped = [...contents.dropped, ...notBatches].sort((a, b) => a.offset - b.offset);
  return { file, size: bytes.length, batches, dropped, end: contents.end };
}
