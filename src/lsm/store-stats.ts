// The store's running figures (PROTOCOL.md "lsm_compact_status", "write_amplification"): how many
// compactions ran and what they wrote, and the bytes clients wrote against the bytes the store
// wrote for them (tables and logs). Kept in DIR/STATS, a small JSON document replaced atomically
// (files.ts) after each flush and compaction, so the counts survive a restart; writes since the
// last replacement are not counted again after a crash. A damaged STATS restarts the counts (it
// holds no data).

import { join } from "node:path";
import type { Env } from "./env.js";
import { writeFileAtomic } from "./files.js";

export const STATS = "STATS";

export interface StoreStats {
  compactions: number;
  /** Bytes of tables written by compactions. */
  compactedBytes: number;
  /** Bytes of keys and values clients wrote (the reference data counts). */
  clientBytes: number;
  /** Bytes of tables written by flushes and compactions. */
  tableBytes: number;
  /** Bytes appended to write-ahead logs. */
  logBytes: number;
}

export const emptyStats = (): StoreStats => ({ compactions: 0, compactedBytes: 0, clientBytes: 0, tableBytes: 0, logBytes: 0 });

/** The counts in dir, or zeros (and a log line) when STATS is missing or damaged. */
export function readStats(env: Env, dir: string, log: (message: string) => void): StoreStats {
  const path = join(dir, STATS);
  if (env.size(path) === null) return emptyStats();
  try {
    const doc = JSON.parse(new TextDecoder().decode(env.readFile(path))) as Partial<StoreStats>;
    const stats = emptyStats();
    for (const k of Object.keys(stats) as (keyof StoreStats)[]) {
      const v = doc[k];
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new Error(`${k} is not a count`);
      stats[k] = v;
    }
    return stats;
  } catch (err) {
    log(`${STATS}: unreadable (${(err as Error).message}); the compaction counts start again from 0`);
    return emptyStats();
  }
}

/** Replaces STATS; a failure is returned (the counts are figures, not data: nothing waits on them). */
export function writeStats(env: Env, dir: string, stats: StoreStats, durable: boolean): Error | null {
  try {
    return writeFileAtomic(env, dir, STATS, new TextEncoder().encode(`${JSON.stringify(stats)}\n`), durable);
  } catch (err) {
    return err as Error;
  }
}

/** Bytes written to disk over bytes clients wrote; 0 before any client write. */
export function writeAmplification(stats: StoreStats): number {
  return stats.clientBytes === 0 ? 0 : (stats.tableBytes + stats.logBytes) / stats.clientBytes;
}
