// The index block: one entry per data block, key = a separator >= the block's last key and < the
// next block's first, value = the block's handle (FORMAT.md "Index block"). Two encodings:
//   - LevelDB's and ours (and RocksDB's format_version < 4): a plain block whose values are
//     BlockHandles, searched by the index kernel without decoding it;
//   - RocksDB's format_version >= 4 with "rocksdb.index.value.is.delta.encoded": entries carry no
//     value length; an entry with shared = 0 holds a whole handle, any other only the change in size
//     (zigzag varint64), its offset following the previous block and its trailer. Decoded once, at
//     open, and searched in TypeScript: a read path for other engines' tables, not our hot path.
// RocksDB may also key the index by user keys ("rocksdb.index.key.is.user.key").

import { decoded, getVarint32, getVarint64 } from "../kernels/coding.js";
import { compareBytes, compareKeys, entriesLimit } from "../kernels/js.js";
import { BlockFormatError, KeyOrder, type Kernels, type LoadedBlock } from "../kernels/types.js";
import { BlockIterator } from "./block.js";
import { CorruptionError } from "./errors.js";
import { BLOCK_TRAILER_SIZE, decodeHandle, type BlockHandle } from "./format.js";

export interface TableIndex {
  /** The first data block whose separator is >= the target (internal or user key), or null. */
  find(internalKey: Uint8Array, userKey: Uint8Array): BlockHandle | null;
  /** Every data block's handle, in order. */
  handles(): BlockHandle[];
  release(): void;
}

export interface IndexEncoding {
  readonly userKeys: boolean;
  readonly deltaValues: boolean;
}

export function decodeIndex(kernels: Kernels, file: string, at: BlockHandle, contents: Uint8Array, enc: IndexEncoding): TableIndex {
  return enc.deltaValues ? new DecodedIndex(file, at, contents, enc.userKeys) : new KernelIndex(kernels, file, at, contents, enc.userKeys);
}

class KernelIndex implements TableIndex {
  private readonly block: LoadedBlock;

  constructor(kernels: Kernels, private readonly file: string, private readonly at: BlockHandle, contents: Uint8Array, private readonly userKeys: boolean) {
    this.block = kernels.loadBlock(contents);
  }

  find(internalKey: Uint8Array, userKey: Uint8Array): BlockHandle | null {
    try {
      const e = this.userKeys ? this.block.seekIndex(userKey, KeyOrder.BYTEWISE) : this.block.seekIndex(internalKey, KeyOrder.INTERNAL);
      return e === null ? null : e.handle;
    } catch (err) {
      if (err instanceof BlockFormatError) throw new CorruptionError(this.file, this.at.offset, `index block: ${err.check}`);
      throw err;
    }
  }

  handles(): BlockHandle[] {
    const out: BlockHandle[] = [];
    const it = new BlockIterator(this.block, KeyOrder.BYTEWISE, this.file, this.at.offset);
    for (let e = it.first(); e !== null; e = it.next()) {
      const h = decodeHandle(e.value, 0, e.value.length);
      if (h === null) throw new CorruptionError(this.file, this.at.offset, "index block: value is not a block handle");
      out.push(h[0]);
    }
    return out;
  }

  release(): void {
    this.block.release();
  }
}

class DecodedIndex implements TableIndex {
  private readonly keys: Uint8Array[] = [];
  private readonly list: BlockHandle[] = [];

  constructor(file: string, at: BlockHandle, b: Uint8Array, private readonly userKeys: boolean) {
    const fail = (off: number, check: string) => new CorruptionError(file, at.offset + off, `index block: ${check}`);
    const limit = entriesLimit(b);
    if (limit < 0) throw fail(0, new BlockFormatError(limit).check);
    let key = new Uint8Array(0);
    let prev: BlockHandle | null = null;
    for (let p = 0; p < limit; ) {
      const entry = p;
      const a = getVarint32(b, p, limit);
      const shared = decoded.value;
      const c = a && getVarint32(b, p + a, limit);
      const unshared = decoded.value;
      if (a === 0 || c === 0 || shared > key.length || p + a + c + unshared > limit) throw fail(entry, "entry header runs past the entries");
      p += a + c;
      const next = new Uint8Array(shared + unshared);
      next.set(key.subarray(0, shared));
      next.set(b.subarray(p, p + unshared), shared);
      key = next;
      p += unshared;
      let handle: BlockHandle;
      if (shared === 0 || prev === null) {
        const h = decodeHandle(b, p, limit);
        if (h === null) throw fail(entry, "value is not a block handle");
        handle = h[0];
        p += h[1];
      } else {
        const n = getVarint64(b, p, limit);
        if (n === 0) throw fail(entry, "size delta is not a varint");
        const z = decoded.value;
        const delta = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
        handle = { offset: prev.offset + prev.size + BLOCK_TRAILER_SIZE, size: prev.size + delta };
        if (handle.size < 0) throw fail(entry, "size delta makes a negative block size");
        p += n;
      }
      this.keys.push(key);
      this.list.push(handle);
      prev = handle;
    }
  }

  find(internalKey: Uint8Array, userKey: Uint8Array): BlockHandle | null {
    const target = this.userKeys ? userKey : internalKey;
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.keys[mid];
      if (compareIndexKey(k, target, this.userKeys) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.list.length ? this.list[lo] : null;
  }

  handles(): BlockHandle[] {
    return [...this.list];
  }

  release(): void {}
}

function compareIndexKey(a: Uint8Array, b: Uint8Array, userKeys: boolean): number {
  return userKeys
    ? compareBytes(a, 0, a.length, b, 0, b.length)
    : compareKeys(a, 0, a.length, b, 0, b.length, KeyOrder.INTERNAL);
}
