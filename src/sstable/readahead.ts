// Readahead for one table iterator's sequential block reads (RocksDB's auto-readahead in
// table/block_based/block_prefetcher.cc, which a LevelDB reader gets from the kernel through
// mmap). A scan's block reads are one system call each; once an iterator steps to the next data
// block in order, the first read that misses fetches 8 KiB more than the block, each further miss
// twice as much as the one before up to 256 KiB, in one positional read: the blocks inside that
// span then cost no read. The caller asks only for sequential steps and calls reset() on a seek,
// so a seek elsewhere starts from 8 KiB again and a point get never reads ahead.
//
// A span never leaves [0, dataEnd), the data blocks: the reads it saves are of bytes the file
// holds there anyway, so what a block's bytes are, and what its checks say, does not change. A
// span ends where its size says, inside a block as a rule; the next read starts at that block, so
// at most one block's bytes are read twice per read.

/** Extra bytes the first read ahead fetches beyond its block, and the most extra any read fetches. */
export const READAHEAD_INITIAL = 8 * 1024;
export const READAHEAD_MAX = 256 * 1024;

export class Readahead {
  private span: Uint8Array | null = null;
  private spanOffset = 0;
  /** Extra bytes the next read ahead fetches; 0 until the first one. */
  private extra = 0;

  /**
   * @param dataEnd where the data blocks end (Table.dataEnd): no span reaches past it
   * @param readFile the table's counted read of exactly `length` bytes at `offset`
   */
  constructor(
    private readonly dataEnd: number,
    private readonly readFile: (offset: number, length: number) => Uint8Array,
  ) {}

  /**
   * The `length` bytes at `offset` (inside the data blocks), from the span when it holds them, else
   * from one read that covers them and reads ahead: after them, or before them when `backward`.
   * The bytes returned are a view of the span: whoever keeps them keeps the span.
   */
  read(offset: number, length: number, backward: boolean): Uint8Array {
    const start = offset - this.spanOffset;
    if (this.span === null || start < 0 || start + length > this.span.length) this.fill(offset, length, backward);
    const at = offset - this.spanOffset;
    return this.span!.subarray(at, at + length);
  }

  /** Forgets the span and the growth: the iterator moved elsewhere (a seek), or closed. */
  reset(): void {
    this.span = null;
    this.extra = 0;
  }

  private fill(offset: number, length: number, backward: boolean): void {
    this.extra = this.extra === 0 ? READAHEAD_INITIAL : Math.min(2 * this.extra, READAHEAD_MAX);
    const start = backward ? Math.max(0, offset - this.extra) : offset;
    const end = backward ? offset + length : Math.min(this.dataEnd, offset + length + this.extra);
    this.span = null; // not kept if the read throws
    this.span = this.readFile(start, end - start);
    this.spanOffset = start;
  }
}
