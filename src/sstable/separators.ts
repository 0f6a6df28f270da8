// Short index keys (FORMAT.md "Index block"), exactly as LevelDB's comparators choose them, so our
// index blocks match LevelDB's byte for byte: a separator s with last <= s < next, and a successor
// s >= last, each as short as the rule below makes it.

import { compareBytes } from "../kernels/js.js";

const cmp = (a: Uint8Array, b: Uint8Array) => compareBytes(a, 0, a.length, b, 0, b.length);

/** BytewiseComparator::FindShortestSeparator: bump the first differing byte if that stays below limit. */
export function bytewiseSeparator(start: Uint8Array, limit: Uint8Array): Uint8Array {
  const n = Math.min(start.length, limit.length);
  let i = 0;
  while (i < n && start[i] === limit[i]) i++;
  if (i >= n) return start; // one is a prefix of the other
  const b = start[i];
  if (b < 0xff && b + 1 < limit[i]) {
    const out = start.slice(0, i + 1);
    out[i]++;
    return out;
  }
  return start;
}

/** BytewiseComparator::FindShortSuccessor: bump the first byte that is not 0xff and cut after it. */
export function bytewiseSuccessor(key: Uint8Array): Uint8Array {
  for (let i = 0; i < key.length; i++) {
    if (key[i] !== 0xff) {
      const out = key.slice(0, i + 1);
      out[i]++;
      return out;
    }
  }
  return key;
}

const TRAILER = 8;
/** (kMaxSequenceNumber << 8 | kValueTypeForSeek) as fixed64: sorts before every entry of its user key. */
const MAX_TRAILER = Uint8Array.of(0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

function withMaxTrailer(userKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(userKey.length + TRAILER);
  out.set(userKey);
  out.set(MAX_TRAILER, userKey.length);
  return out;
}

/** InternalKeyComparator::FindShortestSeparator: shorten the user key, keep the full key otherwise. */
export function internalSeparator(start: Uint8Array, limit: Uint8Array): Uint8Array {
  const userStart = start.subarray(0, start.length - TRAILER);
  const userLimit = limit.subarray(0, limit.length - TRAILER);
  const short = bytewiseSeparator(userStart, userLimit);
  return short.length < userStart.length && cmp(userStart, short) < 0 ? withMaxTrailer(short) : start;
}

/** InternalKeyComparator::FindShortSuccessor. */
export function internalSuccessor(key: Uint8Array): Uint8Array {
  const userKey = key.subarray(0, key.length - TRAILER);
  const short = bytewiseSuccessor(userKey);
  return short.length < userKey.length && cmp(userKey, short) < 0 ? withMaxTrailer(short) : key;
}
