// The LSM messages (PROTOCOL.md section 3b): lsm_read, lsm_level_info, lsm_compact,
// lsm_compact_status, memtable_delete and lsm_scan, thin handlers over the Store's public API. A
// fresh ephemeral node answers its first lsm_* request over the reference tree
// (src/lsm/reference-tree.ts), as the course's samples assume; a durable store never gets
// invented data.

import { buildReferenceTree } from "../lsm/reference-tree.js";
import type { Store } from "../lsm/store.js";
import { LAST_LEVEL } from "../lsm/compaction.js";
import { optionalInt, requireInt, requireKey } from "./fields.js";
import type { Handler, HandlerContext, HandlerTable } from "./handlers.js";
import { ErrorCode, ProtocolError } from "./protocol.js";
import { storeCall, storeError, type ClientWrites } from "./store-handlers.js";

export const DEFAULT_SCAN_LIMIT = 1000;
export const MAX_SCAN_LIMIT = 10_000;

const text = new TextDecoder();
const DELETE_OK = Object.freeze({ type: "memtable_delete_ok" });

export function lsmHandlers(store: Store, writes: ClientWrites): HandlerTable {
  /** The reference tree, once, for a fresh ephemeral store. */
  const reference = async (ctx: HandlerContext): Promise<void> => {
    if (store.durable || writes.count > 0 || writes.referenceLoaded) return;
    writes.referenceLoaded = true;
    const n = await buildReferenceTree(store);
    const shape = store.levelInfo().filter((l) => l.tables > 0).map((l) => `L${l.level}: ${l.tables} tables`);
    ctx.log(`lsm: fresh ephemeral store: built the reference tree (${n} writes; ${shape.join(", ")}; user:42 = Alice in L1)`);
  };

  const read: Handler = async (body, ctx) => {
    const key = requireKey(body);
    return storeCall("lsm_read", async () => {
      await reference(ctx);
      const r = store.getTraced(key);
      return { type: "lsm_read_ok", value: r.value === null ? null : text.decode(r.value), found_at: r.foundAt, levels_checked: r.levelsChecked };
    });
  };

  const levelInfo: Handler = (_body, ctx) =>
    storeCall("lsm_level_info", async () => {
      await reference(ctx);
      const levels = store.levelInfo().map((l) => ({ level: l.level, sstables: l.tables, total_bytes: l.bytes, sorted: l.sorted, max_bytes: l.maxBytes }));
      return { type: "lsm_level_info_ok", levels };
    });

  const compact: Handler = async (body, ctx) => {
    const source = requireInt(body, "source_level", 0, LAST_LEVEL - 1);
    const target = requireInt(body, "target_level", 1, LAST_LEVEL);
    if (target !== source + 1) throw new ProtocolError(ErrorCode.MALFORMED_REQUEST, `target_level must be source_level + 1 (${source + 1}), got ${target}`);
    return storeCall("lsm_compact", async () => {
      await reference(ctx);
      const c = await store.compactLevel(source);
      return {
        type: "lsm_compact_ok",
        sstables_merged: c.tablesMerged,
        new_sstables: c.newTables,
        keys_deduplicated: c.keysDeduplicated,
        bytes_read: c.bytesRead,
        bytes_written: c.bytesWritten,
        write_amplification: round(store.compactionStatus().writeAmplification),
      };
    });
  };

  const status: Handler = (_body, ctx) =>
    storeCall("lsm_compact_status", async () => {
      await reference(ctx);
      const s = store.compactionStatus();
      return { type: "lsm_compact_status_ok", pending_compactions: s.pending, total_compactions: s.totalCompactions, total_bytes_compacted: s.totalBytesCompacted };
    });

  // Like memtable_put: one promise reaction per delete, no async wrapper.
  const del: Handler = (body) => {
    const key = requireKey(body);
    writes.count++;
    let written: Promise<void>;
    try {
      written = store.delete(key);
    } catch (err) {
      throw storeError("memtable_delete", err);
    }
    return written.then(
      () => DELETE_OK,
      (err: unknown) => {
        throw storeError("memtable_delete", err);
      },
    );
  };

  const scan: Handler = async (body, ctx) => {
    const start = requireKey(body, "start", 0);
    const end = requireKey(body, "end", 0);
    const limit = optionalInt(body, "limit", 1, MAX_SCAN_LIMIT) ?? DEFAULT_SCAN_LIMIT;
    return storeCall("lsm_scan", async () => {
      await reference(ctx);
      const entries: { key: string; value: string }[] = [];
      const it = store.iterator({ gte: start });
      try {
        for (let e = it.first(); e !== null && entries.length < limit && Buffer.compare(e.key, end) <= 0; e = it.next()) {
          entries.push({ key: text.decode(e.key), value: text.decode(e.value) });
        }
      } finally {
        it.close();
      }
      return { type: "lsm_scan_ok", entries };
    });
  };

  return { lsm_read: read, lsm_level_info: levelInfo, lsm_compact: compact, lsm_compact_status: status, memtable_delete: del, lsm_scan: scan };
}

/** A figure for a reply: four decimals are plenty, and keep the line short. */
const round = (x: number) => Math.round(x * 10_000) / 10_000;
