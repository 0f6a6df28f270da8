// Replaying the write-ahead logs under RocksDB's WAL recovery modes (WALRecoveryMode in RocksDB's
// include/rocksdb/options.h, applied in db/db_impl/db_impl_open.cc), FORMAT.md "Write-ahead log":
// readLog (wal.ts) finds every record and every dropped byte range; this file decides, per mode,
// which writes are replayed, which damage refuses the start, and what is logged.

import { join } from "node:path";
import { CorruptionError } from "../sstable/errors.js";
import type { Env } from "./env.js";
import { writeFileAtomic, writeWholeFile } from "./files.js";
import type { DecodedLog, LogBatch } from "./log-batches.js";
import type { Batch, DroppedRange, WalRecoveryMode } from "./wal.js";

export { decodeLog, type DecodedLog, type LogBatch } from "./log-batches.js";

export const DEFAULT_WAL_RECOVERY_MODE: WalRecoveryMode = "tolerate-corrupted-tail-records";

/** Where damaged logs that point-in-time recovery drops are kept: DIR/lost/NAME. */
export const LOST_DIR = "lost";

/** What recovery keeps of one log. */
export interface LogVerdict {
  readonly batches: Batch[];
  /**
   * Point-in-time only: the bytes of the file to keep (the valid prefix before the point of
   * recovery; 0 for a later log), the rest to be set aside with setAsideLog; null: the file stays.
   */
  readonly keepBytes: number | null;
}

const advice = (d: DroppedRange) =>
  d.torn ? "the default --wal-recovery-mode, tolerate-corrupted-tail-records, drops them" : "--wal-recovery-mode skip-any-corrupted-records or point-in-time starts without them";

const writes = (bs: readonly LogBatch[]) => bs.reduce((n, b) => n + b.batch.ops.length, 0);

/** Decides, log by log in order, what the mode replays; throws CorruptionError where it refuses. */
export class LogRecovery {
  /** Where point-in-time recovery stopped; every later write is dropped. */
  private stop: { file: string; offset: number } | null = null;
  /** The last sequence replayed from the logs, for point-in-time's check that none is missing. */
  private lastSequence: number | null = null;

  constructor(
    readonly mode: WalRecoveryMode,
    private readonly log: (message: string) => void,
  ) {}

  /** The sequence point-in-time recovery stopped after (null: it did not stop, or knows none). */
  get stoppedAfterSequence(): number | null {
    return this.stop === null ? null : this.lastSequence;
  }

  decide(log: DecodedLog): LogVerdict {
    switch (this.mode) {
      case "absolute-consistency":
        return this.refuseDamage(log, () => true);
      case "tolerate-corrupted-tail-records":
        return this.refuseDamage(log, (d) => !d.torn);
      case "skip-any-corrupted-records":
        return this.skipDamage(log);
      case "point-in-time":
        return this.pointInTime(log);
    }
  }

  /** Refuses the first range `refused` says; reports the others (torn tails) as dropped. */
  private refuseDamage(log: DecodedLog, refused: (d: DroppedRange) => boolean): LogVerdict {
    for (const d of log.dropped) {
      if (refused(d)) throw new CorruptionError(log.file, d.offset, `${d.torn ? "torn tail: " : ""}${d.reason}, ${d.length} bytes in all; ${advice(d)}`);
      this.log(`recovery: ${log.file}: dropped a torn tail at offset ${d.offset}, ${d.length} bytes: ${d.reason}`);
    }
    return this.replay(log.batches);
  }

  private skipDamage(log: DecodedLog): LogVerdict {
    for (const d of log.dropped) this.log(`recovery: ${log.file}: skipped ${d.length} bytes at offset ${d.offset}: ${d.torn ? "torn tail: " : ""}${d.reason}`);
    return this.replay(log.batches);
  }

  /**
   * Replays up to the first damage, or the first write whose sequence does not follow the last
   * one replayed (writes between are missing), and drops everything after it, later logs too: what
   * is replayed is every write up to one point in time, with none missing.
   */
  private pointInTime(log: DecodedLog): LogVerdict {
    if (this.stop !== null) {
      this.log(`recovery: ${log.file}: dropped whole, ${log.size} bytes, ${writes(log.batches)} writes: it follows the point of recovery (${this.stop.file} at offset ${this.stop.offset})`);
      return { batches: [], keepBytes: 0 };
    }
    const damage = log.dropped[0];
    let cut = damage?.offset ?? log.size;
    let why = damage === undefined ? "" : `${damage.torn ? "torn tail: " : ""}${damage.reason}`;
    let expected = this.lastSequence === null ? null : this.lastSequence + 1;
    for (const { offset, batch } of log.batches) {
      if (offset >= cut) break;
      if (expected !== null && batch.sequence !== expected) {
        cut = offset;
        why = `sequence ${batch.sequence} where ${expected} was due: the writes between are missing`;
        break;
      }
      expected = batch.sequence + batch.ops.length;
    }
    const kept = log.batches.filter((b) => b.offset < cut);
    const verdict = this.replay(kept);
    if (cut === log.size) return verdict;
    this.stop = { file: log.file, offset: cut };
    const lost = writes(log.batches.slice(kept.length));
    this.log(`recovery: ${log.file}: point-in-time recovery stops at offset ${cut} (${why}): dropped the ${log.size - cut} bytes from there (${lost} writes in sound records among them) and any later log`);
    return { batches: verdict.batches, keepBytes: cut };
  }

  private replay(kept: readonly LogBatch[]): LogVerdict {
    const last = kept.at(-1)?.batch;
    if (last !== undefined) this.lastSequence = last.sequence + last.ops.length - 1;
    return { batches: kept.map((b) => b.batch), keepBytes: null };
  }
}

/**
 * Makes point-in-time recovery's choice stick: the log NAME in dir is copied to dir/lost/ and
 * replaced by its first `keepBytes` bytes (with 0, moved there whole). Otherwise the next start
 * would stop at the same damage again and drop the logs written since. Each step leaves a
 * directory that recovers the same way when a crash cuts it short.
 */
export function setAsideLog(env: Env, dir: string, name: string, bytes: Uint8Array, keepBytes: number, durable: boolean): string {
  const lostDir = join(dir, LOST_DIR);
  env.mkdir(lostDir);
  let kept = name;
  for (let n = 1; env.size(join(lostDir, kept)) !== null; n++) kept = `${name}.${n}`;
  const target = join(lostDir, kept);
  if (keepBytes === 0) {
    env.rename(join(dir, name), target);
  } else {
    writeWholeFile(env, target, bytes, durable, true);
  }
  if (durable) env.syncDir(lostDir);
  if (keepBytes === 0) {
    if (durable) env.syncDir(dir);
  } else {
    const unsynced = writeFileAtomic(env, dir, name, bytes.subarray(0, keepBytes), durable);
    if (unsynced !== null) throw unsynced; // the cut may not survive a crash: recovery is not done
  }
  return join(LOST_DIR, kept);
}

