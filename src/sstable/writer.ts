// The table builder (FORMAT.md "File layout"; LevelDB's table/table_builder.cc). Grammar of its
// calls: add* (finish | abandon). Keys are internal keys in strictly increasing internal order;
// errors are sticky: after one, every call throws it again.
//
// Entries gather in packed batches and cross into the block kernel one batch at a time; the kernel
// cuts blocks where LevelDB's TableBuilder would (estimate >= blockSize after an add). A block left
// open at the end of a batch goes back to the batch, so block boundaries do not depend on batching.
// The next batch is at least twice what went back, so the entries of a block bigger than a batch
// are re-encoded a bounded number of times, not on every add: the build stays linear at any size.
// The file is written in the order RocksDB's SstFileWriter uses:
//   data blocks | filter | index | properties | metaindex | footer

import { bloomShape, DEFAULT_BITS_PER_KEY } from "../kernels/bloom-layout.js";
import { compareKeys, crc32cMask } from "../kernels/js.js";
import { PackedBuilder, packBytes } from "../kernels/packed.js";
import { KeyOrder, type Kernels } from "../kernels/types.js";
import type { WritableFile } from "./file.js";
import { encodeFilterBlock, estimateFalsePositiveRate, FILTER_META_NAME } from "./filter.js";
import { BLOCK_TRAILER_SIZE, encodeFooter, encodeHandle, ValueKind, type BlockHandle } from "./format.js";
import { encodeProperties, PROPERTIES_META_NAME, type TableStats } from "./properties.js";
import { internalSeparator, internalSuccessor } from "./separators.js";

export interface TableBuilderOptions {
  readonly kernels: Kernels;
  /** Bloom filter bits per user key, 1..64 (default 10). */
  readonly bitsPerKey?: number;
  /** Data blocks are cut once they reach this many bytes (default 4096). */
  readonly blockSize?: number;
  /** Restart interval of data blocks (default 16). */
  readonly restartInterval?: number;
  /** Write RocksDB SstFileWriter's external-file properties (every key must be at sequence 0). */
  readonly externalFile?: boolean;
}

export interface TableSummary {
  readonly entries: number;
  readonly fileSize: number;
  readonly dataBlocks: number;
  readonly filterBits: number;
  /** Bytes from the end of the last data block to the end of the file: what a reader reads on open. */
  readonly tailSize: number;
  readonly stats: TableStats;
}

/** Key and value bytes that make a batch when no open block is waiting in it. */
const BATCH_BYTES = 256 * 1024;

export class TableBuilder {
  private readonly kernels: Kernels;
  private readonly bitsPerKey: number;
  private readonly blockSize: number;
  private readonly restartInterval: number;
  private readonly keys = new PackedBuilder();
  private readonly values = new PackedBuilder();
  private readonly userKeys = new PackedBuilder();
  private readonly indexKeys: Uint8Array[] = [];
  private readonly indexHandles: Uint8Array[] = [];
  private lastKey: Uint8Array | null = null;
  private pendingIndex: { lastKey: Uint8Array; handle: BlockHandle } | null = null;
  private offset = 0;
  /** Key and value bytes at which add() hands the batch to the kernel. */
  private batchLimit = BATCH_BYTES;
  private error: Error | null = null;
  private closed = false;
  private readonly stats: TableStats;

  constructor(
    private readonly file: WritableFile,
    options: TableBuilderOptions,
  ) {
    this.kernels = options.kernels;
    this.bitsPerKey = options.bitsPerKey ?? DEFAULT_BITS_PER_KEY;
    this.blockSize = options.blockSize ?? 4096;
    this.restartInterval = options.restartInterval ?? 16;
    bloomShape(0, this.bitsPerKey); // validates bitsPerKey
    this.stats = {
      entries: 0, deletions: 0, rawKeySize: 0, rawValueSize: 0, dataSize: 0, dataBlocks: 0,
      indexSize: 0, filterSize: 0, filterEntries: 0, filterFpr: 0, bitsPerKey: this.bitsPerKey, externalFile: options.externalFile ?? false,
    };
  }

  /**
   * Adds an entry; `key` is an internal key greater than every key added before. Key and value
   * are copied; the key is also kept, unchanged, until the next add (the order check reads it).
   */
  add(key: Uint8Array, value: Uint8Array): void {
    this.check();
    // The trailer is read in place (no parsed-key object per entry): kind in its first byte, the
    // sequence in the other seven.
    const userLength = key.length - 8;
    if (userLength < 0) return this.fail(new RangeError(`key of ${key.length} bytes is shorter than an internal key's 8-byte trailer`));
    const kind = key[userLength];
    if (kind !== ValueKind.VALUE && kind !== ValueKind.DELETION) return this.fail(new RangeError(`unknown entry kind ${kind}`));
    if (this.stats.externalFile && !zeroSequence(key, userLength)) return this.fail(new RangeError("an external file holds every key at sequence 0"));
    const last = this.lastKey;
    if (last !== null && compareKeys(last, 0, last.length, key, 0, key.length, KeyOrder.INTERNAL) >= 0) {
      return this.fail(new RangeError("keys must be added in strictly increasing internal-key order"));
    }
    if (this.pendingIndex !== null) this.emitIndexEntry(key);
    if (!this.userKeys.lastEquals(key, userLength)) this.userKeys.pushPrefix(key, userLength);
    this.keys.push(key);
    this.values.push(value);
    this.lastKey = key;
    const s = this.stats;
    s.entries++;
    if (kind === ValueKind.DELETION) s.deletions++;
    s.rawKeySize += key.length;
    s.rawValueSize += value.length;
    if (this.batchBytes() >= this.batchLimit) this.writeBlocks(false);
  }

  /** Bytes written so far plus the entries waiting to be: about what the data blocks will take. */
  get estimatedSize(): number {
    return this.offset + this.batchBytes();
  }

  /** Writes the rest of the table and the footer, syncs and closes the file. */
  finish(): TableSummary {
    this.check();
    try {
      if (this.keys.count > 0) this.writeBlocks(true);
      if (this.pendingIndex !== null) this.emitIndexEntry(null);
      const tailStart = this.offset;
      const shape = bloomShape(this.userKeys.count, this.bitsPerKey);
      const lines = this.kernels.bloomBuild(this.userKeys.view(), shape.numLines, shape.k);
      const filter = this.writeBlock(encodeFilterBlock(lines, shape, this.bitsPerKey), 1);
      this.stats.filterSize = filter.size;
      this.stats.filterEntries = this.userKeys.count;
      this.stats.filterFpr = estimateFalsePositiveRate(lines, shape.k);
      const index = this.writeBlock(null, 1, this.indexKeys, this.indexHandles);
      this.stats.indexSize = index.size + BLOCK_TRAILER_SIZE;
      const props = this.writeBlock(null, 1, ...encodeProperties(this.stats));
      const metaNames = [FILTER_META_NAME, PROPERTIES_META_NAME].map((n) => new TextEncoder().encode(n));
      const metaindex = this.writeBlock(null, 1, metaNames, [encodeHandle(filter), encodeHandle(props)].map((h) => h.slice()));
      this.append(encodeFooter(metaindex, index));
      this.file.sync();
      this.file.close();
      this.closed = true;
      return {
        entries: this.stats.entries,
        fileSize: this.offset,
        dataBlocks: this.stats.dataBlocks,
        filterBits: shape.numLines * 512,
        tailSize: this.offset - tailStart,
        stats: { ...this.stats },
      };
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** Gives up: closes the file without a footer. The caller deletes it. */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    this.error ??= new Error("table builder abandoned");
    this.file.close();
  }

  /** Builds data blocks from the batch; unless `final`, an unfilled last block waits for more entries. */
  private writeBlocks(final: boolean): void {
    const keys = this.keys.view();
    const total = this.keys.count;
    let done = 0;
    this.kernels.buildBlocks(keys, this.values.view(), { restartInterval: this.restartInterval, targetSize: this.blockSize }, (block, first, count) => {
      const open = first + count === total && block.length - BLOCK_TRAILER_SIZE < this.blockSize;
      if (open && !final) return;
      if (this.pendingIndex !== null) this.emitIndexEntry(this.keys.item(first));
      const handle = { offset: this.offset, size: block.length - BLOCK_TRAILER_SIZE };
      this.append(block);
      this.stats.dataBlocks++;
      this.stats.dataSize = this.offset;
      this.pendingIndex = { lastKey: this.keys.item(first + count - 1).slice(), handle };
      done = first + count;
    });
    this.keys.dropFirst(done);
    this.values.dropFirst(done);
    // What went back is encoded again by the next call; waiting until as many new bytes have come
    // keeps the bytes encoded within twice the bytes added, whatever the block size.
    this.batchLimit = Math.max(BATCH_BYTES, 2 * this.batchBytes());
    // The block left open starts the next block: its first key, not the next key add() is given,
    // bounds the separator of the block just written.
    if (this.pendingIndex !== null && this.keys.count > 0) this.emitIndexEntry(this.keys.item(0));
  }

  private batchBytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  private emitIndexEntry(nextKey: Uint8Array | null): void {
    const { lastKey, handle } = this.pendingIndex!;
    this.indexKeys.push(nextKey === null ? internalSuccessor(lastKey) : internalSeparator(lastKey, nextKey));
    this.indexHandles.push(encodeHandle(handle).slice());
    this.pendingIndex = null;
  }

  /** Writes raw bytes as a block (with trailer), or builds one block from keys and values. */
  private writeBlock(raw: Uint8Array | null, restartInterval: number, keys: Uint8Array[] = [], values: Uint8Array[] = []): BlockHandle {
    let block = raw === null ? null : withTrailer(this.kernels, raw);
    if (block === null) {
      this.kernels.buildBlocks(packBytes(keys), packBytes(values), { restartInterval }, (b) => (block = b));
    }
    const handle = { offset: this.offset, size: block!.length - BLOCK_TRAILER_SIZE };
    this.append(block!);
    return handle;
  }

  private append(data: Uint8Array): void {
    this.file.append(data);
    this.offset += data.length;
  }

  private check(): void {
    if (this.error !== null) throw this.error;
    if (this.closed) throw new Error("table builder already finished");
  }

  private fail(err: Error): never {
    this.error = err;
    throw err;
  }
}

/** Whether the sequence in the trailer at key[at..at+8) is 0 (its bytes 1..7). */
function zeroSequence(key: Uint8Array, at: number): boolean {
  for (let i = 1; i < 8; i++) if (key[at + i] !== 0) return false;
  return true;
}

/** Appends the 5-byte trailer (no compression, masked CRC32C) to a block's raw contents. */
export function withTrailer(kernels: Kernels, contents: Uint8Array): Uint8Array {
  const out = new Uint8Array(contents.length + BLOCK_TRAILER_SIZE);
  out.set(contents);
  out[contents.length] = 0;
  const crc = kernels.crc32c(out.subarray(0, contents.length + 1));
  new DataView(out.buffer).setUint32(contents.length + 1, crc32cMask(crc), true);
  return out;
}
