// The host's allocator over the wasm module's linear memory (ARCHITECTURE.md "The WebAssembly boundary": the module has no
// allocator of its own). Two kinds of memory:
//   - resident regions (a loaded filter or block) from alloc/release: first fit over an
//     address-ordered free list, neighbours coalesced on release;
//   - one scratch region for the inputs and outputs of a single kernel call, reused call after
//     call and only replaced when a call needs more, so a steady loop never grows memory.
// Every region is 64-byte aligned (a Bloom line, a cache line). memory.grow detaches every view of
// the old buffer: always take views through u8()/u32(), never keep one across a call that allocates.

const ALIGN = 64;
const PAGE = 65536;

interface Region {
  ptr: number;
  size: number;
}

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

/**
 * What the heap uses of a WebAssembly.Memory. Declared here rather than naming WebAssembly.Memory:
 * TypeScript declares the WebAssembly namespace only in its DOM lib, and these types are part of the
 * package's public declarations, which a Node program compiled without "DOM" must be able to check.
 */
export interface LinearMemory {
  readonly buffer: ArrayBuffer;
  /** Grows by `pages` pages of 64 KiB; returns the old size in pages. Detaches the old buffer. */
  grow(pages: number): number;
}

export class WasmHeap {
  private readonly free: Region[] = [];
  private readonly used = new Map<number, number>();
  private scratchPtr = 0;
  private scratchSize = 0;
  private u8View: Uint8Array;
  private u32View: Uint32Array;

  constructor(
    private readonly memory: LinearMemory,
    heapBase: number,
  ) {
    const start = roundUp(heapBase, ALIGN);
    const end = memory.buffer.byteLength;
    if (end > start) this.free.push({ ptr: start, size: end - start });
    this.u8View = new Uint8Array(memory.buffer);
    this.u32View = new Uint32Array(memory.buffer);
  }

  /**
   * A live view of all of memory. memory.grow detaches the views of the old buffer, and a detached
   * view has length 0; testing that is much cheaper than comparing buffers (a getter V8 does not
   * inline), which matters on per-key calls. Only grow() below grows memory (the module has no
   * memory.grow), but a grow from elsewhere is still caught here.
   */
  u8(): Uint8Array {
    if (this.u8View.length === 0) this.refreshViews();
    return this.u8View;
  }

  u32(): Uint32Array {
    if (this.u32View.length === 0) this.refreshViews();
    return this.u32View;
  }

  /** Bytes of linear memory in all; for tests that watch for growth. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  alloc(size: number): number {
    const want = roundUp(Math.max(size, 1), ALIGN);
    for (;;) {
      for (let i = 0; i < this.free.length; i++) {
        const r = this.free[i];
        if (r.size < want) continue;
        const ptr = r.ptr;
        r.ptr += want;
        r.size -= want;
        if (r.size === 0) this.free.splice(i, 1);
        this.used.set(ptr, want);
        return ptr;
      }
      this.grow(want);
    }
  }

  release(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) throw new Error(`wasm heap: release of ${ptr}, which is not allocated`);
    this.used.delete(ptr);
    this.insertFree({ ptr, size });
  }

  /**
   * A region of at least `size` bytes, valid until the next scratch() call. A bigger region is
   * allocated before the old one is released and before anything is recorded: if the grow throws,
   * the old region stays the scratch region and stays allocated, so no resident region (a filter
   * loaded next) can be placed where the next call writes its inputs.
   */
  scratch(size: number): number {
    if (size > this.scratchSize) {
      const newSize = Math.max(PAGE, 2 ** Math.ceil(Math.log2(size)));
      const newPtr = this.alloc(newSize);
      if (this.scratchSize > 0) this.release(this.scratchPtr);
      this.scratchPtr = newPtr;
      this.scratchSize = newSize;
    }
    return this.scratchPtr;
  }

  private grow(want: number): void {
    const end = this.memory.buffer.byteLength;
    const last = this.free[this.free.length - 1];
    const tail = last !== undefined && last.ptr + last.size === end ? last.size : 0;
    const pages = Math.ceil((want - tail) / PAGE);
    // Throws RangeError past the 4 GiB limit of wasm32 or a host's limit; nothing has changed yet.
    this.memory.grow(pages);
    this.insertFree({ ptr: end, size: pages * PAGE });
    this.refreshViews();
  }

  private insertFree(region: Region): void {
    const list = this.free;
    let i = 0;
    while (i < list.length && list[i].ptr < region.ptr) i++;
    list.splice(i, 0, region);
    const next = list[i + 1];
    if (next !== undefined && region.ptr + region.size === next.ptr) {
      region.size += next.size;
      list.splice(i + 1, 1);
    }
    const prev = list[i - 1];
    if (prev !== undefined && prev.ptr + prev.size === region.ptr) {
      prev.size += region.size;
      list.splice(i, 1);
    }
  }

  private refreshViews(): void {
    this.u8View = new Uint8Array(this.memory.buffer);
    this.u32View = new Uint32Array(this.memory.buffer);
  }
}
