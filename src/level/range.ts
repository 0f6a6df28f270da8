// abstract-level's range options (gt, gte, lt, lte) as the store's bounds (gte inclusive, lt
// exclusive). Keys order bytewise, so the first key after k is k + 0x00: `gt: k` is `gte: k+0x00`
// and `lte: k` is `lt: k+0x00`. As abstract-level documents, gte wins over gt and lte over lt.

import { lookupBytes, ownedBytes, type Encoded } from "./bytes.js";

export interface RangeOptions {
  readonly gt?: Encoded;
  readonly gte?: Encoded;
  readonly lt?: Encoded;
  readonly lte?: Encoded;
}

export interface StoreRange {
  readonly gte?: Uint8Array;
  readonly lt?: Uint8Array;
}

/** The first key after `key` in bytewise order (a copy). */
export function successor(key: Uint8Array): Uint8Array {
  const next = new Uint8Array(key.length + 1);
  next.set(key);
  return next;
}

/** The bounds, in bytes of their own: the store's iterator keeps them for its life. */
export function storeRange(range: RangeOptions): StoreRange {
  const gte = range.gte !== undefined ? ownedBytes(range.gte) : range.gt !== undefined ? successor(lookupBytes(range.gt)) : undefined;
  const lt = range.lte !== undefined ? successor(lookupBytes(range.lte)) : range.lt !== undefined ? ownedBytes(range.lt) : undefined;
  return { gte, lt };
}
