// The merge of sorted runs (a compaction's inner loop; LevelDB's table/merger.cc): K runs of
// internal keys (FORMAT.md "Keys": user_key + fixed64(sequence << 8 | kind), ordered by user key
// bytewise ascending, then trailer descending), each a packed batch of its own. Writes the merged
// order as entry indices over the runs taken end to end (run r's entry i is firstIndex(r) + i), and
// for each merged entry whether its user key equals the one before it in the merged order (the
// caller's "first version of a key" test for the drop rules, which stay with the caller).
//
// Each step scans the K run heads for the smallest key, as merger.cc does (K is a few tables); on
// equal internal keys the lower run wins (runs are given newest first, as the merging iterator's
// children are). The TypeScript twin is mergeRunsJs in src/kernels/js.ts: the same scan, so the
// same output for any input, sorted or not.
//
// Memory (host-owned, see index.ts): a table of RUN_BYTES per run, each run's bytes and offsets
// as the other batch kernels take them (count + 1 i32 offsets into its bytes), heads HEAD_BYTES
// per run of scratch, order (total u32), sameUserKey (total u8). Returns the number of entries
// written, or MERGE_ERR_SHORT_KEY if a key has no 8-byte trailer (nothing is merged then).

import { compareBytes, compareKeys, INTERNAL } from "./compare";

export const MERGE_ERR_SHORT_KEY: i32 = -1;

// A run: its bytes' address, its offsets' address, its entry count, its first entry's index.
const RUN_BYTES: usize = 16;
const RUN_BASE: usize = 0;
const RUN_OFFSETS: usize = 4;
const RUN_COUNT: usize = 8;
const RUN_FIRST: usize = 12;

// A run's head: its cursor (entry index within the run), and that key's address (0 once the run
// is done) and length, so a scan reads each head without going through the offsets again.
const HEAD_BYTES: usize = 12;
const HEAD_CURSOR: usize = 0;
const HEAD_PTR: usize = 4;
const HEAD_LEN: usize = 8;

export function mergeRuns(runs: usize, k: u32, heads: usize, order: usize, sameUserKey: usize): i32 {
  for (let r: u32 = 0; r < k; r++) {
    const run = runs + <usize>r * RUN_BYTES;
    const offsets = <usize>load<u32>(run, RUN_OFFSETS);
    const count = load<u32>(run, RUN_COUNT);
    for (let i: u32 = 0; i < count; i++) {
      const at = offsets + (<usize>i << 2);
      if (load<u32>(at, 4) - load<u32>(at) < 8) return MERGE_ERR_SHORT_KEY;
    }
    setHead(run, heads + <usize>r * HEAD_BYTES, 0);
  }
  let n: u32 = 0;
  let prevPtr: usize = 0;
  let prevLen: usize = 0;
  for (;;) {
    let best: i32 = -1;
    let bestPtr: usize = 0;
    let bestLen: usize = 0;
    for (let r: u32 = 0; r < k; r++) {
      const h = heads + <usize>r * HEAD_BYTES;
      const p = <usize>load<u32>(h, HEAD_PTR);
      if (p == 0) continue;
      const len = <usize>load<u32>(h, HEAD_LEN);
      if (best < 0 || compareKeys(p, len, bestPtr, bestLen, INTERNAL) < 0) {
        best = <i32>r;
        bestPtr = p;
        bestLen = len;
      }
    }
    if (best < 0) break;
    const run = runs + <usize>best * RUN_BYTES;
    const h = heads + <usize>best * HEAD_BYTES;
    const c = load<u32>(h, HEAD_CURSOR);
    store<u32>(order + (<usize>n << 2), load<u32>(run, RUN_FIRST) + c);
    const same = n > 0 && compareBytes(bestPtr, bestLen - 8, prevPtr, prevLen - 8) == 0;
    store<u8>(sameUserKey + <usize>n, same ? 1 : 0);
    prevPtr = bestPtr;
    prevLen = bestLen;
    n++;
    setHead(run, h, c + 1);
  }
  return <i32>n;
}

// @ts-ignore: decorator
@inline function setHead(run: usize, h: usize, c: u32): void {
  store<u32>(h, c, HEAD_CURSOR);
  if (c >= load<u32>(run, RUN_COUNT)) {
    store<u32>(h, 0, HEAD_PTR);
    return;
  }
  const at = <usize>load<u32>(run, RUN_OFFSETS) + (<usize>c << 2);
  const s = load<u32>(at);
  // a run's bytes lie above the module's static data, never at 0, so 0 marks a finished run
  store<u32>(h, load<u32>(run, RUN_BASE) + s, HEAD_PTR);
  store<u32>(h, load<u32>(at, 4) - s, HEAD_LEN);
}
