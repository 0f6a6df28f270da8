// The database's iterators (abstract-level's private iterator API): entries, keys alone and values
// alone, each over a Cursor on the store's iterator. Each read converts only what it returns, into
// the format the caller's encoding asked for (bytes.ts); abstract-level counts what was read, keeps
// to `limit` and decodes. Reads are synchronous under the promise: the store's iterator reads its
// blocks directly, and it holds the version it was made on, so a read sees the same snapshot
// however long the iterator lives.

import { AbstractIterator, AbstractKeyIterator, AbstractValueIterator } from "abstract-level";
import type { DbEntry } from "../lsm/db-iterator.js";
import { decoded, lookupBytes, type Encoded, type Format } from "./bytes.js";
import type { Cursor } from "./cursor.js";
import type { RangeOptions } from "./range.js";
import type { WasmSnapshot } from "./snapshot.js";

/** What abstract-level gives _iterator(), _keys() and _values(): range options encoded, and formats. */
export interface PrivateIteratorOptions extends RangeOptions {
  readonly reverse: boolean;
  readonly limit: number;
  readonly keys?: boolean;
  readonly values?: boolean;
  readonly keyEncoding: Format;
  readonly valueEncoding: Format;
  readonly snapshot?: WasmSnapshot;
}

/**
 * Entries a long read (all(), a large nextv()) takes per turn of the event loop: it yields between
 * them so that other work goes on (the iterator's snapshot does not move meanwhile).
 */
const ENTRIES_PER_TURN = 1000;

type Item = Encoded | undefined;
type Project<T> = (e: DbEntry) => T;

/** Up to `max` items from the cursor, ENTRIES_PER_TURN per turn of the event loop. */
async function read<T>(cursor: Cursor, max: number, project: Project<T>): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const turnEnd = Math.min(max, items.length + ENTRIES_PER_TURN);
    let e: DbEntry | null = null;
    while (items.length < turnEnd && (e = cursor.step()) !== null) items.push(project(e));
    if (e === null || items.length >= max) return items;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function keyOf(format: Format): Project<Encoded> {
  return (e) => decoded(e.key, format);
}

function valueOf(format: Format): Project<Encoded> {
  return (e) => decoded(e.value, format);
}

// The three iterators below have the same body over one Cursor: abstract-level gives entries, keys
// and values each their own base class (its _keys() and _values() must return instances of them),
// and a TypeScript mixin over those generic bases would hide the types more than the repetition
// does.
export class WasmIterator extends AbstractIterator<object, Item, Item> {
  private readonly project: Project<[Item, Item]>;

  constructor(db: object, options: PrivateIteratorOptions, private readonly cursor: Cursor) {
    super(db, options as never); // typed for abstract-level's public options; it passes these
    const key = options.keys === false ? () => undefined : keyOf(options.keyEncoding);
    const value = options.values === false ? () => undefined : valueOf(options.valueEncoding);
    this.project = (e) => [key(e), value(e)];
  }

  async _next(): Promise<[Item, Item] | undefined> {
    const e = this.cursor.step();
    return e === null ? undefined : this.project(e);
  }

  _nextv(size: number): Promise<[Item, Item][]> {
    return read(this.cursor, size, this.project);
  }

  _all(): Promise<[Item, Item][]> {
    return read(this.cursor, this.limit - this.count, this.project);
  }

  _seek(target: Encoded): void {
    this.cursor.seek(lookupBytes(target));
  }

  async _close(): Promise<void> {
    this.cursor.close();
  }
}

export class WasmKeyIterator extends AbstractKeyIterator<object, Encoded> {
  private readonly project: Project<Encoded>;

  constructor(db: object, options: PrivateIteratorOptions, private readonly cursor: Cursor) {
    super(db, options as never); // typed for abstract-level's public options; it passes these
    this.project = keyOf(options.keyEncoding);
  }

  async _next(): Promise<Encoded | undefined> {
    const e = this.cursor.step();
    return e === null ? undefined : this.project(e);
  }

  _nextv(size: number): Promise<Encoded[]> {
    return read(this.cursor, size, this.project);
  }

  _all(): Promise<Encoded[]> {
    return read(this.cursor, this.limit - this.count, this.project);
  }

  _seek(target: Encoded): void {
    this.cursor.seek(lookupBytes(target));
  }

  async _close(): Promise<void> {
    this.cursor.close();
  }
}

export class WasmValueIterator extends AbstractValueIterator<object, Encoded, Encoded> {
  private readonly project: Project<Encoded>;

  constructor(db: object, options: PrivateIteratorOptions, private readonly cursor: Cursor) {
    super(db, options as never); // typed for abstract-level's public options; it passes these
    this.project = valueOf(options.valueEncoding);
  }

  async _next(): Promise<Encoded | undefined> {
    const e = this.cursor.step();
    return e === null ? undefined : this.project(e);
  }

  _nextv(size: number): Promise<Encoded[]> {
    return read(this.cursor, size, this.project);
  }

  _all(): Promise<Encoded[]> {
    return read(this.cursor, this.limit - this.count, this.project);
  }

  _seek(target: Encoded): void {
    this.cursor.seek(lookupBytes(target));
  }

  async _close(): Promise<void> {
    this.cursor.close();
  }
}
