// The store as an abstract-level database (README "The database (abstract-level)"): what a Node
// program that uses classic-level can use instead, with no native build. abstract-level's public
// methods check their arguments and the database's state, encode keys and values, run hooks,
// emit events and defer calls made before the open; this class gives its private methods (the
// `_`-prefixed ones, abstract-level's README "Private API For Implementors") over the store.
//
// Reads are synchronous in the store, so each read is its own implicit snapshot, taken when the
// call is made; an iterator holds the version it was made on. Writes resolve as the store's do
// (`sync`, below). The store's errors reach the caller with the ecosystem's codes (errors.ts).

import { join } from "node:path";
import { AbstractLevel, type AbstractBatchOperation, type AbstractChainedBatch, type AbstractBatchOptions, type AbstractDatabaseOptions, type AbstractDelOptions, type AbstractPutOptions } from "abstract-level";
import ModuleError from "module-error";
import { nodeEnv } from "../io/node-env.js";
import type { Env } from "../lsm/env.js";
import { LEGACY_MANIFEST } from "../lsm/legacy-manifest.js";
import { CURRENT } from "../lsm/manifest.js";
import { Store, type WriteOp, type WriteOptions as StoreWriteOptions } from "../lsm/store.js";
import { adopted, lookupBytes, ownedBytes, type Encoded, type Format } from "./bytes.js";
import { WasmChainedBatch } from "./chained-batch.js";
import { Cursor } from "./cursor.js";
import { levelError, translated } from "./errors.js";
import { WasmIterator, WasmKeyIterator, WasmValueIterator, type PrivateIteratorOptions } from "./iterators.js";
import { checkLevelOptions, levelSettings, writeSync, type WasmLevelStoreOptions } from "./options.js";
import { storeRange, type RangeOptions } from "./range.js";
import { WasmSnapshot } from "./snapshot.js";

export interface WasmLevelOptions<K = string, V = string> extends AbstractDatabaseOptions<K, V>, WasmLevelStoreOptions {}

/**
 * What the private API does (db.supports, level-supports' manifest). abstract-level adds the rest:
 * every encoding transcoded to these three, the events, deferred open.
 */
const MANIFEST = {
  encodings: { buffer: true, view: true, utf8: true },
  implicitSnapshots: true,
  explicitSnapshots: true,
  seek: true,
  has: true,
  getSync: true,
  permanence: true,
  createIfMissing: true,
  errorIfExists: true,
  deferredOpen: true,
  additionalMethods: { compactRange: true },
  // a read runs to its end synchronously, before an abort could be seen
  signals: { iterators: false },
};

/** Keys a clear() deletes per write: each such write is atomic, the whole clear need not be. */
const CLEAR_BATCH = 1000;

// The store's options for the calls made most, made once: a get, put or delete allocates no
// options object of its own (they are read, never kept or changed, by the store).
const LATEST: { readonly snapshot?: WasmSnapshot["point"] } = Object.freeze({});
const SYNC: StoreWriteOptions = Object.freeze({ sync: true });
const NO_SYNC: StoreWriteOptions = Object.freeze({ sync: false });

interface ReadOptions {
  readonly keyEncoding: Format;
  readonly valueEncoding: Format;
  readonly snapshot?: unknown;
}

interface WriteOptions {
  readonly sync?: unknown;
}

interface BatchOperation {
  readonly type: "put" | "del";
  readonly key: Encoded;
  readonly value?: Encoded;
}

interface ClearOptions extends RangeOptions, WriteOptions {
  readonly reverse: boolean;
  readonly limit: number;
  readonly snapshot?: unknown;
}

interface OpenOptions extends WasmLevelStoreOptions {
  readonly createIfMissing: boolean;
  readonly errorIfExists: boolean;
}

export class WasmLevel<KDefault = string, VDefault = string> extends AbstractLevel<string | Buffer | Uint8Array, KDefault, VDefault> {
  readonly #location: string;
  #store: Store | null = null;
  /** Whether a write without its own `sync` waits for its fsync. */
  #syncByDefault: boolean;

  /** A database in the directory `location` (made on open unless createIfMissing is false). */
  constructor(location: string, options?: WasmLevelOptions<KDefault, VDefault>) {
    if (typeof location !== "string" || location === "") throw new TypeError("The first argument 'location' must be a non-empty string");
    const settings = checkLevelOptions(options ?? {}); // a bad option throws here, not at the open
    super(MANIFEST, options);
    this.#location = location;
    this.#syncByDefault = settings.sync;
  }

  get location(): string {
    return this.#location;
  }

  // ---- Opening and closing ----

  async _open(options: OpenOptions): Promise<void> {
    const settings = levelSettings(options);
    const exists = translated(() => holdsStore(settings.store.env ?? nodeEnv, this.#location));
    // the texts classic-level gives (LevelDB's), which abstract-level's suite checks
    if (!exists && !options.createIfMissing) throw new Error(`${this.#location}: does not exist (createIfMissing is false)`);
    if (exists && options.errorIfExists) throw new Error(`${this.#location}: exists (errorIfExists is true)`);
    this.#store = translated(() => Store.open({ ...settings.store, dir: this.#location }));
    this.#syncByDefault = settings.sync;
  }

  async _close(): Promise<void> {
    try {
      await this.#open().close();
    } catch (err) {
      throw levelError(err);
    }
    this.#store = null;
  }

  // ---- Reads ----

  async _get(key: Encoded, options: ReadOptions): Promise<Encoded | undefined> {
    return this._getSync(key, options);
  }

  _getSync(key: Encoded, options: ReadOptions): Encoded | undefined {
    const store = this.#open();
    const at = this.#readPoint(options);
    let value: Uint8Array | null;
    try {
      value = store.get(lookupBytes(key), at);
    } catch (err) {
      throw levelError(err);
    }
    // the store's value is a copy of its own: handed on as it is, not copied again
    return value === null ? undefined : adopted(value, options.valueEncoding);
  }

  async _getMany(keys: readonly Encoded[], options: ReadOptions): Promise<(Encoded | undefined)[]> {
    return keys.map((key) => this._getSync(key, options));
  }

  async _has(key: Encoded, options: ReadOptions): Promise<boolean> {
    const store = this.#open();
    const at = this.#readPoint(options);
    return translated(() => store.get(lookupBytes(key), at)) !== null;
  }

  async _hasMany(keys: readonly Encoded[], options: ReadOptions): Promise<boolean[]> {
    const store = this.#open();
    const at = this.#readPoint(options);
    return translated(() => keys.map((key) => store.get(lookupBytes(key), at) !== null));
  }

  _iterator(options: PrivateIteratorOptions): WasmIterator {
    return new WasmIterator(this, options, this.#cursor(options));
  }

  _keys(options: PrivateIteratorOptions): WasmKeyIterator {
    return new WasmKeyIterator(this, options, this.#cursor(options));
  }

  _values(options: PrivateIteratorOptions): WasmValueIterator {
    return new WasmValueIterator(this, options, this.#cursor(options));
  }

  _snapshot(options: { readonly owner: object }): WasmSnapshot {
    return new WasmSnapshot(this.#open(), options);
  }

  // ---- Writes ----

  // The writes return the store's promise (translated), not an async function's: abstract-level
  // awaits what they return, and an async function resolving with a promise costs two more turns
  // of the microtask queue per write. A failure before the store is reached rejects likewise.

  _put(key: Encoded, value: Encoded, options: WriteOptions): Promise<void> {
    try {
      return this.#open().put(ownedBytes(key), ownedBytes(value), this.#storeWriteOptions(options)).then(undefined, rethrowLevelError);
    } catch (err) {
      return Promise.reject(levelError(err));
    }
  }

  _del(key: Encoded, options: WriteOptions): Promise<void> {
    try {
      return this.#open().delete(ownedBytes(key), this.#storeWriteOptions(options)).then(undefined, rethrowLevelError);
    } catch (err) {
      return Promise.reject(levelError(err));
    }
  }

  _batch(operations: readonly BatchOperation[], options: WriteOptions): Promise<void> {
    try {
      const ops = operations.map((op): WriteOp => (op.type === "put" ? { type: "put", key: ownedBytes(op.key), value: ownedBytes(op.value!) } : { type: "del", key: ownedBytes(op.key) }));
      return this.#write(ops, options);
    } catch (err) {
      return Promise.reject(levelError(err));
    }
  }

  _chainedBatch(): WasmChainedBatch {
    return new WasmChainedBatch(this, (ops, options) => this.#write(ops, options));
  }

  /**
   * Deletes the range's keys as they were when the call was made (or at the snapshot given), in
   * writes of CLEAR_BATCH keys; a key written meanwhile outside that view is left alone.
   */
  async _clear(options: ClearOptions): Promise<void> {
    const cursor = this.#cursor(options);
    let left = options.limit < 0 ? Infinity : options.limit;
    try {
      while (left > 0) {
        const ops: WriteOp[] = [];
        for (let e; ops.length < Math.min(left, CLEAR_BATCH) && (e = cursor.step()) !== null; ) ops.push({ type: "del", key: e.key.slice() });
        if (ops.length === 0) return;
        left -= ops.length;
        await this.#write(ops, options);
      }
    } finally {
      cursor.close();
    }
  }

  // ---- Methods beyond abstract-level's (manifest additionalMethods) ----

  /**
   * Compacts the keys from start to end (both inclusive; null or undefined: unbounded) down to the
   * deepest level holding data, after flushing the MemTable (LevelDB's CompactRange, as
   * classic-level's compactRange). Both arguments are required, as there.
   */
  async compactRange(start: KDefault | null | undefined, end: KDefault | null | undefined, options?: { readonly keyEncoding?: string }): Promise<void> {
    if (arguments.length < 2) throw new TypeError("The arguments 'start' and 'end' are required");
    if (this.status === "opening") return this.deferAsync(() => this.compactRange(start, end, options));
    if (this.status !== "open") throw new ModuleError("Database is not open: cannot call compactRange()", { code: "LEVEL_DATABASE_NOT_OPEN" });
    const keyEncoding = options?.keyEncoding === undefined ? this.keyEncoding() : this.keyEncoding(options.keyEncoding as never);
    const bound = (key: KDefault | null | undefined) => (key === null || key === undefined ? undefined : ownedBytes(keyEncoding.encode(key as never) as Encoded));
    try {
      await this.#open().compactRange(bound(start), bound(end));
    } catch (err) {
      throw levelError(err);
    }
  }

  // ---- Helpers ----

  #open(): Store {
    if (this.#store === null) throw new ModuleError("Database is not open", { code: "LEVEL_DATABASE_NOT_OPEN" });
    return this.#store;
  }

  /** The store's read options for a read's `snapshot` (one of this database's, or none). */
  #readPoint(options: { readonly snapshot?: unknown }): { snapshot?: WasmSnapshot["point"] } {
    const s = options.snapshot;
    if (s === undefined || s === null) return LATEST;
    if (!(s instanceof WasmSnapshot) || s.store !== this.#store) throw new TypeError("snapshot must be a snapshot of this database (db.snapshot())");
    return { snapshot: s.point };
  }

  /** A cursor over the range at the read's snapshot, made now; a failure is the first read's. */
  #cursor(options: RangeOptions & { readonly reverse: boolean; readonly snapshot?: unknown }): Cursor {
    const range = storeRange(options);
    try {
      const iterator = this.#open().iterator({ ...range, ...this.#readPoint(options), reverse: options.reverse });
      return new Cursor(iterator, range, options.reverse);
    } catch (err) {
      return new Cursor(null, range, options.reverse, err);
    }
  }

  #write(ops: readonly WriteOp[], options: WriteOptions): Promise<void> {
    return this.#open().write(ops, this.#storeWriteOptions(options)).then(undefined, rethrowLevelError);
  }

  /** The store's options for a write: its own `sync`, or the database's default. */
  #storeWriteOptions(options: WriteOptions): StoreWriteOptions {
    return writeSync(options.sync, this.#syncByDefault) ? SYNC : NO_SYNC;
  }
}

function rethrowLevelError(err: unknown): never {
  throw levelError(err);
}

/** A write's own `sync` (classic-level's write option), over the database's default (WasmLevelOptions.sync). */
export interface WasmWriteOptions {
  readonly sync?: boolean;
}

// abstract-level's declarations know no write options beyond the encodings: these overloads add
// `sync` for TypeScript callers, as classic-level's declarations do (the chained batch's write()
// takes any options already).
export interface WasmLevel<KDefault, VDefault> {
  put(key: KDefault, value: VDefault): Promise<void>;
  put<K = KDefault, V = VDefault>(key: K, value: V, options: AbstractPutOptions<K, V> & WasmWriteOptions): Promise<void>;
  del(key: KDefault): Promise<void>;
  del<K = KDefault>(key: K, options: AbstractDelOptions<K> & WasmWriteOptions): Promise<void>;
  batch(operations: Array<AbstractBatchOperation<this, KDefault, VDefault>>): Promise<void>;
  batch<K = KDefault, V = VDefault>(operations: Array<AbstractBatchOperation<this, K, V>>, options: AbstractBatchOptions<K, V> & WasmWriteOptions): Promise<void>;
  batch(): AbstractChainedBatch<this, KDefault, VDefault>;
}

/** Whether dir holds a store: its CURRENT (the manifest pointer), or the JSON MANIFEST of a 0.1 store. */
function holdsStore(env: Env, dir: string): boolean {
  return env.size(join(dir, CURRENT)) !== null || env.size(join(dir, LEGACY_MANIFEST)) !== null;
}
