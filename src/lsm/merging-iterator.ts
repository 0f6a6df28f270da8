// The merging iterator (LevelDB's table/merger.cc, Pebble's mergingIter): one internal iterator
// over N children, every entry of every child in internal-key order (FORMAT.md "Keys"), both ways.
// The children are given newest first (MemTables, then level-0 tables newest first, then the
// levels); every write has its own sequence, so no internal key appears in two children, and which
// child wins a user key is decided by sequence alone (the database iterator, db-iterator.ts, picks
// the newest visible version).
//
// Each child stands on its own head entry (null when it has none in the current direction), and
// the merged position is the child whose head is the smallest (forward) or the largest (reverse),
// found by a scan of the heads: N is a few MemTables and level-0 tables plus one per level, small
// enough that a scan beats a heap's upkeep (LevelDB's merger.cc scans too).
//
// Forward, every other child's head is the first entry after the current one; reverse, the last
// entry before it. A move against the direction first re-seeks every other child to the side of
// the current entry the new direction needs (merger.cc's Next and Prev do the same dance), then
// steps the current child. The current entry is a view of the current child's head; no other
// child's entry is kept across that child's moves, so a child may reuse its views.

import { compareBytes } from "../kernels/js.js";
import type { InternalEntry, InternalIterator } from "./internal-iterator.js";

const FORWARD = 1;
const REVERSE = -1;
const NONE = -1;

/** Internal-key order of two entries: user key ascending, then sequence descending. */
export function compareInternal(a: InternalEntry, b: InternalEntry): number {
  const c = compareBytes(a.key, 0, a.key.length, b.key, 0, b.key.length);
  if (c !== 0) return c;
  return a.sequence > b.sequence ? -1 : a.sequence < b.sequence ? 1 : 0;
}

export class MergingIterator implements InternalIterator {
  private readonly heads: (InternalEntry | null)[];
  private current = NONE; // the child the merged position stands on; NONE when unpositioned
  private direction = FORWARD;
  private closed = false;

  /** children: newest first; the merging iterator owns them and closes them with itself. */
  constructor(private readonly children: readonly InternalIterator[]) {
    this.heads = children.map(() => null);
  }

  first(): InternalEntry | null {
    this.open();
    this.children.forEach((c, i) => (this.heads[i] = c.first()));
    return this.land(FORWARD);
  }

  last(): InternalEntry | null {
    this.open();
    this.children.forEach((c, i) => (this.heads[i] = c.last()));
    return this.land(REVERSE);
  }

  seekGE(key: Uint8Array, sequence?: number): InternalEntry | null {
    this.open();
    this.children.forEach((c, i) => (this.heads[i] = c.seekGE(key, sequence)));
    return this.land(FORWARD);
  }

  seekLT(key: Uint8Array, sequence?: number): InternalEntry | null {
    this.open();
    this.children.forEach((c, i) => (this.heads[i] = c.seekLT(key, sequence)));
    return this.land(REVERSE);
  }

  next(): InternalEntry | null {
    this.open();
    if (this.current === NONE) return null;
    if (this.direction === REVERSE) this.turn(FORWARD);
    this.heads[this.current] = this.children[this.current].next();
    return this.land(FORWARD);
  }

  prev(): InternalEntry | null {
    this.open();
    if (this.current === NONE) return null;
    if (this.direction === FORWARD) this.turn(REVERSE);
    this.heads[this.current] = this.children[this.current].prev();
    return this.land(REVERSE);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.current = NONE;
    for (const c of this.children) c.close();
  }

  /**
   * Puts every child but the current one on the far side of the current entry for `direction`:
   * forward, its first entry after it; reverse, its last entry before it. The current entry is
   * the current child's head, still valid: that child does not move here. Internal keys are
   * unique across children, so "at or after" is "after" (merger.cc also skips an equal key).
   */
  private turn(direction: number): void {
    const at = this.heads[this.current]!;
    this.children.forEach((c, i) => {
      if (i !== this.current) this.heads[i] = direction === FORWARD ? c.seekGE(at.key, at.sequence) : c.seekLT(at.key, at.sequence);
    });
    this.direction = direction;
  }

  /** Stands on the smallest head (forward) or the largest (reverse); null when every head is null. */
  private land(direction: number): InternalEntry | null {
    this.direction = direction;
    let best = NONE;
    for (let i = 0; i < this.heads.length; i++) {
      const h = this.heads[i];
      if (h === null) continue;
      // strict: on a tie (only when a caller breaks uniqueness) the newest child wins
      if (best === NONE || compareInternal(h, this.heads[best]!) * direction < 0) best = i;
    }
    this.current = best;
    return best === NONE ? null : this.heads[best];
  }

  private open(): void {
    if (this.closed) throw new Error("merging iterator used after close()");
  }
}
