// The reader's cache of loaded data blocks, by file offset, least recently used evicted first
// once their bytes pass a limit. A doubly linked list keeps the order: a hit moves a node, and the
// Map changes only on insert and evict. (Deleting and re-adding a key to move it in a Map's order,
// the obvious way, cost ~2 us per hit: V8's ordered hash map fills with deleted entries and
// rehashes.)

import type { LoadedBlock } from "../kernels/types.js";

interface Node {
  readonly offset: number;
  readonly block: LoadedBlock;
  prev: Node | null;
  next: Node | null;
}

export class BlockCache {
  private readonly nodes = new Map<number, Node>();
  private newest: Node | null = null;
  private oldest: Node | null = null;
  private bytes = 0;

  constructor(private readonly limit: number) {}

  get(offset: number): LoadedBlock | undefined {
    const node = this.nodes.get(offset);
    if (node === undefined) return undefined;
    if (node !== this.newest) {
      this.unlink(node);
      this.pushNewest(node);
    }
    return node.block;
  }

  /** Adds a block, then releases the oldest ones while over the limit (never the one just added). */
  add(offset: number, block: LoadedBlock): void {
    const node: Node = { offset, block, prev: null, next: null };
    this.nodes.set(offset, node);
    this.pushNewest(node);
    this.bytes += block.contents.length;
    while (this.bytes > this.limit && this.oldest !== null && this.oldest !== node) {
      const old = this.oldest;
      this.unlink(old);
      this.nodes.delete(old.offset);
      this.bytes -= old.block.contents.length;
      old.block.release();
    }
  }

  /** Releases every block. */
  clear(): void {
    for (const node of this.nodes.values()) node.block.release();
    this.nodes.clear();
    this.newest = this.oldest = null;
    this.bytes = 0;
  }

  private pushNewest(node: Node): void {
    node.prev = null;
    node.next = this.newest;
    if (this.newest !== null) this.newest.prev = node;
    this.newest = node;
    this.oldest ??= node;
  }

  private unlink(node: Node): void {
    if (node.prev !== null) node.prev.next = node.next;
    else this.newest = node.next;
    if (node.next !== null) node.next.prev = node.prev;
    else this.oldest = node.prev;
    node.prev = node.next = null;
  }
}
