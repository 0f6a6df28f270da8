// Iterating one block's entries (FORMAT.md "Block"; the builder is the block kernel,
// assembly/block.ts). seekGE is the kernel's binary search; first/next decode entries in order,
// rebuilding each prefix-compressed key from the one before. Errors are CorruptionErrors that name
// the file and the block's offset in it.
//
// Call order: first() or seekGE() before next(); after either returns null the iterator is
// exhausted and next() keeps returning null.

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
  private key: Uint8Array = new Uint8Array(0);
  private next_ = -1; // offset of the next entry, -1 when exhausted or not positioned

  constructor(
    private readonly block: LoadedBlock,
    private readonly order: KeyOrder,
    private readonly file: string,
    private readonly blockOffset: number,
  ) {
    const limit = entriesLimit(block.contents);
    if (limit < 0) throw this.corrupt(new BlockFormatError(limit).check);
    this.limit = limit;
  }

  first(): Entry | null {
    this.key = new Uint8Array(0);
    this.next_ = 0;
    return this.next();
  }

  seekGE(target: Uint8Array): Entry | null {
    const found = seekInBlock(this.block, target, this.order, this.file, this.blockOffset);
    if (found === null) {
      this.next_ = -1;
      return null;
    }
    this.key = found.key;
    this.next_ = found.nextOffset;
    const c = this.block.contents;
    return { key: found.key, value: c.subarray(found.valueOffset, found.valueOffset + found.valueLength) };
  }

  next(): Entry | null {
    if (this.next_ < 0 || this.next_ >= this.limit) {
      this.next_ = -1;
      return null;
    }
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
    this.next_ = valueOffset + header.valueLength;
    return { key, value: c.subarray(valueOffset, this.next_) };
  }

  private corrupt(check: string, at = 0): CorruptionError {
    return new CorruptionError(this.file, this.blockOffset + at, `block at ${this.blockOffset}: ${check}`);
  }
}
