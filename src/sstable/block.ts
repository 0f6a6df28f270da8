// Iterating one block's entries (FORMAT.md "Block"; the builder is the block kernel,
// assembly/block.ts). seekGE is the kernel's binary search; first/next decode entries in order,
// rebuilding each prefix-compressed key from the one before. Going back follows LevelDB's
// table/block.cc Prev: an entry cannot be decoded backwards, so prev() finds the last restart
// point before the current entry and decodes forward from it to the entry before; last() does the
// same from the last restart point, and seekLT is seekGE then one step back. Errors are
// CorruptionErrors that name the file and the block's offset in it.
//
// Call order: first(), last(), seekGE() or seekLT() before next() or prev(); after a move returns
// null the iterator is unpositioned and next() and prev() keep returning null. A returned key is
// the iterator's own copy; a returned value aliases the block's contents.

import { decodeFixed32 } from "../kernels/coding.js";
import { entriesLimit, entryHeader, header } from "../kernels/js.js";
import { BlockFormatError, type BlockEntry, type KeyOrder, type LoadedBlock } from "../kernels/types.js";
import { CorruptionError } from "./errors.js";

export interface Entry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** The kernel's seek in a block, its format errors as CorruptionErrors naming file and block. */
export function seekInBlock(block: LoadedBlock, target: Uint8Array, order: KeyOrder, file: string, blockOffset: number): BlockEntry | null {
  try {
    return block.seek(target, order);
  } catch (err) {
    if (err instanceof BlockFormatError) throw new CorruptionError(file, blockOffset, `block at ${blockOffset}: ${err.check}`);
    throw err;
  }
}

export class BlockIterator {
  private readonly limit: number;
  private readonly numRestarts: number;
  private key: Uint8Array = new Uint8Array(0);
  private current = -1; // offset of the entry last returned, -1 when unpositioned
  private closed = false;
  private next_ = -1; // offset of the entry after it

  constructor(
    private readonly block: LoadedBlock,
    private readonly order: KeyOrder,
    private readonly file: string,
    private readonly blockOffset: number,
  ) {
    const limit = entriesLimit(block.contents);
    if (limit < 0) throw this.corrupt(new BlockFormatError(limit).check);
    this.limit = limit;
    this.numRestarts = (block.contents.length - 4 - limit) / 4;
  }

  first(): Entry | null {
    this.checkOpen();
    return this.scanFrom(0, 0);
  }

  /** The last entry: decoded forward from the last restart point. */
  last(): Entry | null {
    this.checkOpen();
    if (this.limit === 0 || this.numRestarts === 0) return this.unposition();
    return this.scanFrom(this.restart(this.numRestarts - 1), this.limit);
  }

  seekGE(target: Uint8Array): Entry | null {
    this.checkOpen();
    const found = seekInBlock(this.block, target, this.order, this.file, this.blockOffset);
    if (found === null) return this.unposition();
    this.key = found.key;
    this.current = found.offset;
    this.next_ = found.nextOffset;
    const c = this.block.contents;
    return { key: found.key, value: c.subarray(found.valueOffset, found.valueOffset + found.valueLength) };
  }

  /** The last entry whose key is < target. */
  seekLT(target: Uint8Array): Entry | null {
    return this.seekGE(target) === null ? this.last() : this.prev();
  }

  next(): Entry | null {
    this.checkOpen();
    if (this.current < 0 || this.next_ >= this.limit) return this.unposition();
    return this.decodeNext();
  }

  /** The entry before the current one (LevelDB's Block::Iter::Prev). */
  prev(): Entry | null {
    this.checkOpen();
    if (this.current <= 0) return this.unposition();
    const target = this.current;
    let lo = 0; // binary search for the last restart point before the current entry
    let hi = this.numRestarts - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.restart(mid) < target) lo = mid;
      else hi = mid - 1;
    }
    return this.scanFrom(this.restart(lo), target);
  }

  /** Ends the iteration; the block itself belongs to whoever loaded it. Moves after close() throw. */
  close(): void {
    this.closed = true;
    this.unposition();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`${this.file}: block iterator (block at ${this.blockOffset}) used after close()`);
  }

  /** Decodes forward from the restart point at `from` to the entry that ends at or past `stop`. */
  private scanFrom(from: number, stop: number): Entry | null {
    this.key = new Uint8Array(0);
    this.next_ = from;
    if (from >= this.limit) return this.unposition();
    let e = this.decodeNext();
    while (this.next_ < stop) e = this.decodeNext();
    return e;
  }

  private decodeNext(): Entry {
    const c = this.block.contents;
    const off = this.next_;
    const body = entryHeader(c, off, this.limit);
    if (body === 0) throw this.corrupt(`entry at block offset ${off} runs past the block's entries`, off);
    if (header.shared > this.key.length) throw this.corrupt(`entry at block offset ${off} shares more bytes than the previous key has`, off);
    const key = new Uint8Array(header.shared + header.unshared);
    key.set(this.key.subarray(0, header.shared));
    key.set(c.subarray(body, body + header.unshared), header.shared);
    const valueOffset = body + header.unshared;
    this.key = key;
    this.current = off;
    this.next_ = valueOffset + header.valueLength;
    return { key, value: c.subarray(valueOffset, this.next_) };
  }

  private restart(i: number): number {
    const r = decodeFixed32(this.block.contents, this.limit + 4 * i);
    if (r >= this.limit) throw this.corrupt(`restart point ${i} (offset ${r}) is past the block's entries at ${this.limit}`, this.limit + 4 * i);
    return r;
  }

  private unposition(): null {
    this.current = -1;
    this.next_ = -1;
    return null;
  }

  private corrupt(check: string, at = 0): CorruptionError {
    return new CorruptionError(this.file, this.blockOffset + at, `block at ${this.blockOffset}: ${check}`);
  }
}
