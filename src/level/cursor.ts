// A walk over the store's iterator in one direction, as abstract-level's iterators read: from the
// start of the range, or from where the last seek() put it, one entry per step. Forward it starts
// at the first key of the range and a seek goes to the first key >= target; reverse, at the last
// key, and a seek goes to the last key <= target (the last key before target + 0x00). A target
// outside the range ends the walk (abstract-level's README "iterator.seek()"), where the store's
// iterator would go to the range's nearest end instead. A failure to
// make the store's iterator (a table that cannot be opened) is kept and thrown by the first step,
// so that it rejects a read, as every other read failure does, instead of throwing from iterator().

import { compareBytes } from "../kernels/js.js";
import type { DbEntry } from "../lsm/db-iterator.js";
import type { StoreIterator } from "../lsm/store.js";
import { levelError } from "./errors.js";
import { successor, type StoreRange } from "./range.js";

const START = 0;
const SEEK = 1;
const MOVING = 2;
const ENDED = 3;

export class Cursor {
  private state = START;
  private target: Uint8Array | null = null;

  constructor(
    private readonly iterator: StoreIterator | null,
    private readonly range: StoreRange,
    private readonly reverse: boolean,
    private readonly failure: unknown = null,
  ) {}

  /** The next entry, or null at the end of the range. Its bytes are views the next step may reuse. */
  step(): DbEntry | null {
    if (this.state === ENDED) return null;
    const it = this.open();
    let e: DbEntry | null;
    try {
      if (this.state === START) e = this.reverse ? it.last() : it.first();
      else if (this.state === SEEK) e = this.reverse ? it.seekLT(successor(this.target!)) : it.seekGE(this.target!);
      else e = this.reverse ? it.prev() : it.next();
    } catch (err) {
      throw levelError(err);
    }
    this.state = e === null ? ENDED : MOVING;
    return e;
  }

  /** The next step starts at target (a copy is kept: the caller may reuse its buffer). */
  seek(target: Uint8Array): void {
    this.target = new Uint8Array(target);
    this.state = inRange(target, this.range) ? SEEK : ENDED;
  }

  close(): void {
    this.iterator?.close();
  }

  private open(): StoreIterator {
    if (this.iterator === null) throw levelError(this.failure);
    return this.iterator;
  }
}

const cmp = (a: Uint8Array, b: Uint8Array) => compareBytes(a, 0, a.length, b, 0, b.length);

function inRange(key: Uint8Array, range: StoreRange): boolean {
  return (range.gte === undefined || cmp(key, range.gte) >= 0) && (range.lt === undefined || cmp(key, range.lt) < 0);
}
