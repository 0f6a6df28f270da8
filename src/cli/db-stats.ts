// `wasm-lsm db stats DIR`: the shape of the store and what it costs, as JSON lines on stdout:
//
//   {"level": L, "tables": N, "bytes": B, "target_bytes": T}          one per level, L0 to L6
//   {"live_entries": N, "live_bytes": B, "disk_bytes": D, "space_amplification": D/B,
//    "write_amplification": W, "compactions": C, "bytes_compacted": X}
//   {"cache": "block", "hits": H, "misses": M, "hit_rate": R, "bytes": B, "capacity_bytes": C}
//   {"cache": "table", "hits": H, "misses": M, "hit_rate": R, "open": N, "capacity": C}
//
// - target_bytes: Store.levelInfo()'s maxBytes: a level's target size (level 0: its compaction
//   trigger times the MemTable size, both at their defaults here).
// - live_bytes: key and value bytes of every live entry (the newest version of each key, not
//   deleted), counted by a full scan; disk_bytes: every file under DIR (lost/ too), after it. Their
//   ratio is the space amplification as bench/db.ts measures it; null for an empty store.
// - write_amplification, compactions, bytes_compacted: Store.compactionStatus(), from the counts
//   the store keeps in DIR/STATS across runs (bytes written to tables and logs over bytes clients
//   wrote); write_amplification is null while no client write has been counted. The store saves
//   STATS at each flush and compaction and when it closes; a process killed before either loses
//   the counts of its last writes (the writes themselves are in the log).
// - The caches are this process's (Store.cacheStats()): a store's caches live in the process that
//   opened it, so these count the lookups of stats' own scan, not a running node's. hit_rate is
//   hits / (hits + misses), null before any lookup.
//
// On a LevelDB directory (db-leveldb.ts), read only: the level lines without target_bytes, then
// live_entries, live_bytes, disk_bytes and space_amplification as above, and what the reader
// found: the manifest, the last sequence, and the logs replayed with their writes. LevelDB keeps
// no counts of bytes written to read back, so no write amplification; no cache lines either.

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pythonJson } from "../node/json.js";
import type { LevelDbDirectory } from "../lsm/leveldb-directory.js";
import type { Store } from "../lsm/store.js";
import { holdsLevelDb, withLevelDb, type EntrySource } from "./db-leveldb.js";
import { walkEntries } from "./db-read.js";
import { PROGRESS_FLAG, PROGRESS_HELP, STORE_FLAGS, STORE_FLAGS_HELP, storeLog } from "./db-flags.js";
import { withStore } from "./db-store.js";
import { progressBar } from "./progress.js";
import type { Flags, SstCommand as DbCommand } from "./sst-common.js";
import type { Output } from "./sst-output.js";

export const stats: DbCommand = {
  synopsis: "stats DIR [--progress]",
  help: `Prints the store's figures as JSON lines on stdout: one line per level (tables, bytes,
target_bytes), then live_entries, live_bytes (key and value bytes of the live entries, counted by
a full scan), disk_bytes (every file under DIR), space_amplification (disk_bytes / live_bytes),
write_amplification (bytes written to tables and logs / bytes clients wrote, kept in DIR/STATS
across runs, saved at each flush and compaction and at close; null before any counted write), compactions
and bytes_compacted; then the block cache's and the table cache's
hits, misses and hit_rate. The caches are this command's own, so they count its scan: a running
node's caches cannot be seen from another process.

On a LevelDB directory, read only: the level lines (without target_bytes), live_entries,
live_bytes, disk_bytes and space_amplification, then the manifest, the last sequence and the logs
replayed (LevelDB keeps no write counts to read back).

Options:
${PROGRESS_HELP}
${STORE_FLAGS_HELP}`,
  operands: ["DIR"],
  flags: { ...STORE_FLAGS, ...PROGRESS_FLAG },
  run: runStats,
};

const ratio = (a: number, b: number): number | null => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);

async function runStats([dir]: readonly string[], flags: Flags, out: Output): Promise<void> {
  const lines = holdsLevelDb(dir)
    ? await withLevelDb(dir, flags, async (db) => levelDbLines(db, await liveBytes(db, flags.progress === true), directoryBytes(dir)))
    : await withStore(dir, flags, { log: storeLog(flags, "stats") }, async (store) => {
        const live = await liveBytes(store, flags.progress === true);
        return statsLines(store, live, directoryBytes(dir));
      });
  for (const line of lines) out.push(`${line}\n`);
}

async function liveBytes(source: EntrySource, progress: boolean): Promise<{ entries: number; bytes: number }> {
  const bar = progressBar(progress, "stats");
  let bytes = 0;
  try {
    const entries = await walkEntries(source, { reverse: false, limit: Infinity }, bar, (key, value) => {
      bytes += key.length + value.length;
      return false;
    }, async () => {});
    return { entries, bytes };
  } finally {
    bar?.done();
  }
}

function statsLines(store: Store, live: { entries: number; bytes: number }, diskBytes: number): string[] {
  const levels = store.levelInfo().map((l) => pythonJson({ level: l.level, tables: l.tables, bytes: l.bytes, target_bytes: l.maxBytes }));
  const c = store.compactionStatus();
  const cost = pythonJson({
    live_entries: live.entries,
    live_bytes: live.bytes,
    disk_bytes: diskBytes,
    space_amplification: ratio(diskBytes, live.bytes),
    // 0 only when no client write was counted: not a figure
    write_amplification: c.writeAmplification === 0 ? null : Math.round(c.writeAmplification * 10_000) / 10_000,
    compactions: c.totalCompactions,
    bytes_compacted: c.totalBytesCompacted,
  });
  const { blockCache: b, tableCache: t } = store.cacheStats();
  const block = pythonJson({ cache: "block", hits: b.hits, misses: b.misses, hit_rate: ratio(b.hits, b.hits + b.misses), bytes: b.bytes, capacity_bytes: b.capacityBytes });
  const table = pythonJson({ cache: "table", hits: t.hits, misses: t.misses, hit_rate: ratio(t.hits, t.hits + t.misses), open: t.open, capacity: t.capacity });
  return [...levels, cost, block, table];
}

function levelDbLines(db: LevelDbDirectory, live: { entries: number; bytes: number }, diskBytes: number): string[] {
  const levels = db.levels.map((l) => pythonJson({ level: l.level, tables: l.tables.length, bytes: l.tables.reduce((n, t) => n + t.size, 0) }));
  const cost = pythonJson({ live_entries: live.entries, live_bytes: live.bytes, disk_bytes: diskBytes, space_amplification: ratio(diskBytes, live.bytes) });
  const found = pythonJson({ manifest: db.manifest, last_sequence: db.lastSequence, logs: db.logs.map((l) => ({ name: l.name, bytes: l.size, writes: l.writes, torn_tail_bytes: l.tornTail?.length ?? 0 })) });
  return [...levels, cost, found];
}

/** Bytes of every file under dir, subdirectories included. */
function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}
