// The reference tree (PROTOCOL.md "The reference tree"): what an ephemeral store no client has
// written to holds when its first lsm_* request comes, as the course's samples assume. Level 1
// holds the reference workload (reference-workload.ts, user:42 = Alice), compacted down from one
// flush; level 0 holds REFERENCE_L0_TABLES newer tables that overwrite a few keys each, spread
// from user:1.. to user:9.. so that every one of them overlaps user:42, which none overwrites.
// Deterministic, and built through the store's API alone, in well under a second.

import { referenceWorkload } from "./reference-workload.js";
import type { Store } from "./store.js";

/** Bytes of the reference workload put in level 1 (about 2,300 entries). */
export const REFERENCE_TREE_BYTES = 192 * 1024;
export const REFERENCE_L0_TABLES = 3;

const utf8 = new TextEncoder();

/** Builds the tree in `store` (which must hold nothing yet); returns the entries written. */
export async function buildReferenceTree(store: Store): Promise<number> {
  let n = 0;
  for (const [key, value] of referenceWorkload()) {
    if (store.memtableFootprint >= REFERENCE_TREE_BYTES) break;
    await store.put(utf8.encode(key), utf8.encode(value), { deferFlush: true });
    n++;
  }
  await store.flush();
  await store.compactLevel(0);
  for (let t = 0; t < REFERENCE_L0_TABLES; t++) {
    for (const d of [1, 3, 5, 7, 9]) {
      await store.put(utf8.encode(`user:${d}${t}`), utf8.encode(`overwritten in level-0 table ${t + 1}`), { deferFlush: true });
      n++;
    }
    await store.flush();
  }
  return n;
}
