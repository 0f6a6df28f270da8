// The kernel interface: one contract, two implementations that must give identical bytes
// (wasm.ts over build/kernels.wasm, js.ts in plain TypeScript). Inputs are packed batches
// (ARCHITECTURE.md "The WebAssembly boundary"): keys are encoded to UTF-8 once, laid end to end, and crossed into wasm
// memory with one copy per batch.

/** Entries laid end to end: entry i is bytes[offsets[i] .. offsets[i + 1]). count = offsets.length - 1. */
export interface PackedBytes {
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array;
}

/** Key orders the search kernels know (FORMAT.md, "Keys"). */
export const KeyOrder = {
  /** Unsigned bytes, then length: LevelDB's leveldb.BytewiseComparator. */
  BYTEWISE: 0,
  /** Internal keys: user key bytewise, then the 8-byte trailer (sequence << 8 | type) descending. */
  INTERNAL: 1,
} as const;
export type KeyOrder = (typeof KeyOrder)[keyof typeof KeyOrder];

export interface BlockOptions {
  /** Every restartInterval-th entry is stored whole (default 16; 1 for index blocks). */
  readonly restartInterval?: number;
  /** Cut a block once entries + restart array reach this many bytes (default: never cut). */
  readonly targetSize?: number;
}

/** Called once per block, in order; `block` is the block's bytes with its 5-byte trailer. */
export type BlockSink = (block: Uint8Array, first: number, count: number) => void;

/** An entry found in a block. Offsets are into the block's contents. */
export interface BlockEntry {
  readonly key: Uint8Array;
  readonly offset: number;
  readonly nextOffset: number;
  readonly valueOffset: number;
  readonly valueLength: number;
}

export interface BlockHandle {
  readonly offset: number;
  readonly size: number;
}

export interface IndexEntry extends BlockEntry {
  readonly handle: BlockHandle;
}

/** A block's contents (no trailer) made ready for repeated seeks. */
export interface LoadedBlock {
  readonly contents: Uint8Array;
  /** The first entry with key >= target, or null when every key is smaller. Throws BlockFormatError. */
  seek(target: Uint8Array, order: KeyOrder): BlockEntry | null;
  /** seek over an index block, with the found value decoded as a BlockHandle. */
  seekIndex(target: Uint8Array, order: KeyOrder): IndexEntry | null;
  /** Gives back the memory it holds; the block must not be used after. */
  release(): void;
}

/** A filter's lines made ready for probes. */
export interface LoadedFilter {
  readonly numLines: number;
  readonly k: number;
  /** False means the key is certainly absent; true means it may be present. */
  mayContain(key: Uint8Array): boolean;
  /** out[i] = 1 if key i may be present, else 0; returns how many are 1. */
  mayContainBatch(keys: PackedBytes, out: Uint8Array): number;
  release(): void;
}

/** The merge of sorted runs of internal keys (assembly/merge.ts, mergeRunsJs in js.ts). */
export interface MergedOrder {
  /** Indices of the batch's entries, in merged order. */
  readonly order: Int32Array;
  /** sameUserKey[i] is 1 when merged entry i has the user key of merged entry i - 1, else 0. */
  readonly sameUserKey: Uint8Array;
}

export interface Kernels {
  readonly name: "wasm" | "js";
  /** murmur3 x86_32 of key with seed, as an unsigned 32-bit number. */
  murmur3(key: Uint8Array, seed: number): number;
  murmur3Batch(keys: PackedBytes, seed: number, out?: Uint32Array): Uint32Array;
  /** The Bloom filter's 64 bits of hash material: 2 u32 per key (line hash, bit hash). */
  bloomHashBatch(keys: PackedBytes, out?: Uint32Array): Uint32Array;
  /** The numLines * 64 bytes of a filter holding every key. */
  bloomBuild(keys: PackedBytes, numLines: number, k: number): Uint8Array;
  loadFilter(lines: Uint8Array, numLines: number, k: number): LoadedFilter;
  /** CRC32C of data appended to data whose CRC32C is crc (default 0: a fresh start). */
  crc32c(data: Uint8Array, crc?: number): number;
  /** Builds blocks from entries in order, cutting at targetSize; returns the number of blocks. */
  buildBlocks(keys: PackedBytes, values: PackedBytes, options: BlockOptions, sink: BlockSink): number;
  loadBlock(contents: Uint8Array): LoadedBlock;
  /**
   * Decompresses a raw Snappy block (LevelDB block compression type 1; not the framing format) into
   * a fresh array. Throws SnappyFormatError (src/kernels/snappy.ts) with the failed check's status.
   */
  snappyDecompress(input: Uint8Array): Uint8Array;
  /**
   * Merges sorted runs of internal keys (FORMAT.md "Keys") into internal-key order, runs newest
   * first (on equal keys the lower run comes first). An index names an entry of the runs taken
   * end to end: run r's entry i is (entries of runs 0..r-1) + i. Throws RangeError for a key
   * under 8 bytes.
   */
  mergeRuns(runs: readonly PackedBytes[]): MergedOrder;
}

/** Status codes shared by both paths (assembly/search.ts). */
export const SeekStatus = {
  FOUND: 1,
  PAST_END: 0,
  ERR_RESTARTS: -1,
  ERR_RESTART_OFFSET: -2,
  ERR_ENTRY: -3,
  ERR_HANDLE: -4,
} as const;

const CHECKS: Record<number, string> = {
  [SeekStatus.ERR_RESTARTS]: "restart array does not fit in the block",
  [SeekStatus.ERR_RESTART_OFFSET]: "restart point outside the block's entries",
  [SeekStatus.ERR_ENTRY]: "entry header or bytes run past the block's entries",
  [SeekStatus.ERR_HANDLE]: "index value is not a block handle",
};

/**
 * Bytes a kernel found malformed: the kernel's negative status and the check it names. Kernels
 * know no files; the table layer adds the file and block offset (sstable/errors.ts).
 */
export class KernelFormatError extends Error {
  readonly status: number;
  readonly check: string;
  constructor(what: string, status: number, checks: Readonly<Record<number, string>>) {
    const check = checks[status] ?? `unknown status ${status}`;
    super(`malformed ${what}: ${check}`);
    this.status = status;
    this.check = check;
  }
}

/** A block whose bytes break the format (the seek kernels' statuses). */
export class BlockFormatError extends KernelFormatError {
  constructor(status: number) {
    super("block", status, CHECKS);
    this.name = "BlockFormatError";
  }
}

export const BLOCK_TRAILER_SIZE = 5;
export const DEFAULT_RESTART_INTERVAL = 16;

/** The largest key + value of any entry: what one entry can add to a block beyond its header. */
export function maxEntryBytes(keys: PackedBytes, values: PackedBytes): number {
  let max = 0;
  const ko = keys.offsets, vo = values.offsets;
  for (let i = 0; i + 1 < ko.length; i++) max = Math.max(max, ko[i + 1] - ko[i] + vo[i + 1] - vo[i]);
  return max;
}

/**
 * Bytes that always hold the block built from entries first .. first+count-1. Either every entry
 * as a restart with 5-byte varints (15 + 4 bytes of overhead each), or, when the block is cut at
 * targetSize, what was below the target plus one more entry, its restart, the count and trailer.
 */
export function blockCapacity(
  keys: PackedBytes, values: PackedBytes, first: number, count: number, targetSize: number, maxEntry: number,
): number {
  const keyBytes = keys.offsets[first + count] - keys.offsets[first];
  const valueBytes = values.offsets[first + count] - values.offsets[first];
  const uncut = keyBytes + valueBytes + count * (15 + 4) + 4 + 4 + BLOCK_TRAILER_SIZE;
  return Math.min(uncut, targetSize + maxEntry + 15 + 4 + 4 + BLOCK_TRAILER_SIZE);
}

export function checkBlockOptions(options: BlockOptions): { restartInterval: number; targetSize: number } {
  const restartInterval = options.restartInterval ?? DEFAULT_RESTART_INTERVAL;
  const targetSize = options.targetSize ?? 0x7fffffff;
  if (!Number.isInteger(restartInterval) || restartInterval < 1 || restartInterval > 0xffff) {
    throw new RangeError(`restartInterval must be 1..65535, got ${restartInterval}`);
  }
  if (!Number.isInteger(targetSize) || targetSize < 1 || targetSize > 0x7fffffff) {
    throw new RangeError(`targetSize must be 1..2^31-1, got ${targetSize}`);
  }
  return { restartInterval, targetSize };
}

export const SHORT_KEY_MESSAGE = "mergeRuns: a key is shorter than an internal key's 8-byte trailer";

export function packedCount(p: PackedBytes): number {
  return p.offsets.length - 1;
}
