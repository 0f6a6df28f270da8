// The merge of sorted runs (a compaction's inner loop; LevelDB's table/merger.cc): K runs of
// internal keys (FORMAT.md "Keys": user_key + fixed64(sequence << 8 | kind), ordered by user key
// bytewise ascending, then trailer descending) laid end to end in one packed batch, run r being
// entries runStarts[r] .. runStarts[r+1]. Writes the merged order as entry indices, and for each
// merged entry whether its user key equals the one before it in the merged order (the caller's
// "first version of a key" test for the drop rules, which stay with the caller).
//
// Each step scans the K run heads for the smallest key, as merger.cc does (K is a few tables); on
// equal internal keys the lower run wins (runs are given newest first, as the merging iterator's
// children are). The TypeScript twin is mergeRunsJs in src/kernels/js.ts: the same loop, so the
// same output for any input, sorted or not.
//
// Memory (host-owned, see index.ts): bytes + (count+1) i32 offsets as the other batch kernels,
// runStarts k+1 u32, cursors k u32 of scratch, order count u32, sameUserKey count u8.
// Returns the number of entries written, or MERGE_ERR_SHORT_KEY if a key has no 8-byte trailer.

import { compareBytes, compareKeys, INTERNAL } from "./compare";

export const MERGE_ERR_SHORT_KEY: i32 = -1;

export function mergeRuns(
  bytes: usize, offsets: usize, runStarts: usize, k: u32, cursors: usize, order: usize, sameUserKey: usize,
): i32 {
  const first = load<u32>(runStarts);
  const end = load<u32>(runStarts + (<usize>k << 2));
  for (let i = first; i < end; i++) {
    if (load<u32>(offsets + (<usize>(i + 1) << 2)) - load<u32>(offsets + (<usize>i << 2)) < 8) return MERGE_ERR_SHORT_KEY;
  }
  for (let r: u32 = 0; r < k; r++) store<u32>(cursors + (<usize>r << 2), load<u32>(runStarts + (<usize>r << 2)));
  let n: u32 = 0;
  let prevPtr: usize = 0;
  let prevLen: usize = 0;
  for (;;) {
    let best: i32 = -1;
    let bestPtr: usize = 0;
    let bestLen: usize = 0;
    for (let r: u32 = 0; r < k; r++) {
      const c = load<u32>(cursors + (<usize>r << 2));
      if (c >= load<u32>(runStarts + (<usize>(r + 1) << 2))) continue;
      const s = load<u32>(offsets + (<usize>c << 2));
      const len = <usize>(load<u32>(offsets + (<usize>(c + 1) << 2)) - s);
      const p = bytes + <usize>s;
      if (best < 0 || compareKeys(p, len, bestPtr, bestLen, INTERNAL) < 0) {
        best = <i32>r;
        bestPtr = p;
        bestLen = len;
      }
    }
    if (best < 0) break;
    const slot = cursors + (<usize>best << 2);
    const c = load<u32>(slot);
    store<u32>(slot, c + 1);
    store<u32>(order + (<usize>n << 2), c);
    const same = n > 0 && compareBytes(bestPtr, bestLen - 8, prevPtr, prevLen - 8) == 0;
    store<u8>(sameUserKey + <usize>n, same ? 1 : 0);
    prevPtr = bestPtr;
    prevLen = bestLen;
    n++;
  }
  return <i32>n;
}
