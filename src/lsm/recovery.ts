// Opening a store's directory (LevelDB's DBImpl::Recover, VersionSet::Recover): the manifest that
// CURRENT names is replayed into a version (a 0.1 store's JSON MANIFEST is upgraded first, durably,
// and a new directory gets its first manifest); each table it names must be there with its size;
// what is provably garbage is removed and what is not is kept; the live logs are replayed into the
// MemTable. FORMAT.md "Data directory".
//
// Provably garbage (removeLeftovers): a NAME.tmp (never renamed into place); a manifest CURRENT does
// not name; a table numbered at or past the manifest's next file number that it does not hold (a
// flush or compaction cut short before its edit: a flush's writes are still in the live logs, a
// compaction's inputs still in the version); a table an edit deleted (a compaction's input whose
// removal was cut short); a log numbered below the log number (covered by tables). Any other table
// the manifest does not hold may be the only copy of its writes: it is moved to lost/.

import { join } from "node:path";
import type { Kernels } from "../kernels/types.js";
import { CorruptionError } from "../sstable/errors.js";
import type { Env } from "./env.js";
import { LEGACY_MANIFEST, readLegacyManifest } from "./legacy-manifest.js";
import { moveToLost } from "./lost.js";
import { Manifest } from "./manifest.js";
import type { ManifestState } from "./manifest-log.js";
import type { MemTable } from "./memtable.js";
import { MissingManifestError } from "./missing-manifest-error.js";
import { isManifestName, isStoreTemp, logName, logNumberOf, looksLikeStoreFile, parseTableName, tableName } from "./store-files.js";
import { readStats, type StoreStats } from "./store-stats.js";
import { scanTable } from "./table-scan.js";
import { NUM_LEVELS } from "./version-edit.js";
import { Version, type TableMeta } from "./version.js";
import type { WalRecoveryMode } from "./wal.js";
import { decodeLog, LogRecovery, setAsideLog } from "./wal-recovery.js";

export interface RecoveryOptions {
  readonly env: Env;
  readonly dir: string;
  readonly kernels: Kernels;
  readonly durable: boolean;
  readonly log: (message: string) => void;
  readonly walRecoveryMode: WalRecoveryMode;
  readonly manifestRollBytes?: number;
  /** The MemTable the live logs are replayed into. */
  readonly memtable: MemTable;
}

export interface Recovered {
  readonly manifest: Manifest;
  readonly state: ManifestState;
  readonly version: Version;
  /** The next table number: past the manifest's, and past every table file present. */
  readonly nextTableNumber: number;
  readonly nextLogNumber: number;
  /** The last sequence number used, logs replayed. */
  readonly sequence: number;
  /** The last log, when new writes can go on in it (replayed whole, or but for a torn tail). */
  readonly lastLog: { readonly number: number; readonly end: number } | null;
  readonly stats: StoreStats;
}

export const EMPTY_STATE: ManifestState = {
  comparator: "leveldb.BytewiseComparator",
  logNumber: 0,
  prevLogNumber: 0,
  nextFileNumber: 1,
  lastSequence: 0,
  levels: Array.from({ length: NUM_LEVELS }, () => []),
  compactPointers: new Array<Uint8Array | null>(NUM_LEVELS).fill(null),
  deletedTables: [],
};

/** Recovers the store in options.dir; throws, having changed nothing it cannot undo, when it cannot. */
export function recoverStore(o: RecoveryOptions): Recovered {
  const manifestOptions = { env: o.env, dir: o.dir, kernels: o.kernels, durable: o.durable, rollBytes: o.manifestRollBytes };
  let nextLogNumber = 1;
  let opened = Manifest.load(manifestOptions);
  if (opened === null) {
    const legacy = upgradeLegacy(o, manifestOptions);
    if (legacy !== null) nextLogNumber = legacy.nextLogNumber;
    opened = legacy ?? createManifest(o, manifestOptions);
  }
  const { manifest, state } = opened;
  try {
    const version = versionOf(state);
    findTables(o, version);
    const files = removeLeftovers(o, state, version, manifest.current);
    const stats = readStats(o.env, o.dir, o.log);
    const replayed = replayLogs(o, state);
    const tableNumbers = files.map((f) => parseTableName(f)?.number ?? 0);
    return {
      manifest,
      state,
      version,
      nextTableNumber: Math.max(state.nextFileNumber, ...[...version.tables()].map((t) => t.number + 1), ...tableNumbers.map((n) => n + 1)),
      nextLogNumber: Math.max(nextLogNumber, state.logNumber, replayed.nextLogNumber),
      sequence: Math.max(state.lastSequence, replayed.sequence),
      lastLog: replayed.lastLog,
      stats,
    };
  } catch (err) {
    manifest.close();
    throw err;
  }
}

function versionOf(state: ManifestState): Version {
  const levels = state.levels.map((tables, level) => tables.map((t): TableMeta => ({ ...t, level, name: tableName(level, t.number) })));
  return Version.empty().apply({ compactPointers: [], deletedFiles: [], newFiles: levels.flat() }, new Map(levels.flat().map((t) => [t.number, t])));
}

/**
 * A 0.1 store (its JSON MANIFEST, no CURRENT): every table it lists is scanned for its key range,
 * and a manifest of edits holding them at level 0 is written and made current; only then is the
 * JSON MANIFEST removed. A crash in between leaves both, and the next open takes CURRENT's.
 */
function upgradeLegacy(o: RecoveryOptions, manifestOptions: Parameters<typeof Manifest.create>[0]): { manifest: Manifest; state: ManifestState; nextLogNumber: number } | null {
  const legacy = readLegacyManifest(o.dir, o.env);
  if (legacy === null) return null;
  const tables = legacy.tables.map((t) => {
    const facts = scanTable(o.env, o.kernels, join(o.dir, t.name));
    const empty = new Uint8Array(8);
    return { number: t.number, fileSize: facts.fileSize, smallest: facts.smallestKey ?? empty, largest: facts.largestKey ?? empty };
  });
  const state: ManifestState = {
    ...EMPTY_STATE,
    logNumber: legacy.logNumber,
    nextFileNumber: legacy.nextTableNumber,
    lastSequence: legacy.lastSequence,
    levels: EMPTY_STATE.levels.map((_, level) => (level === 0 ? tables : [])),
  };
  const manifest = Manifest.create(manifestOptions, state);
  o.env.remove(join(o.dir, LEGACY_MANIFEST));
  if (o.durable) o.env.syncDir(o.dir);
  o.log(`recovery: upgraded the 0.1 ${LEGACY_MANIFEST} (${tables.length} tables) to ${manifest.current}`);
  return { manifest, state, nextLogNumber: legacy.nextFileNumber };
}

/**
 * A directory without CURRENT is new only if it holds no tables, no non-empty logs and no
 * manifests: one that does lost its manifest (removed, a partial copy), and starting would lose its
 * tables, so it is refused with nothing touched. A new store writes its manifest before its first
 * log (as LevelDB's DBImpl::NewDB does, db/db_impl.cc), so only a damaged directory lacks one.
 */
function createManifest(o: RecoveryOptions, manifestOptions: Parameters<typeof Manifest.create>[0]): { manifest: Manifest; state: ManifestState } {
  const files = o.env.list(o.dir).sort();
  const tables = files.filter((f) => parseTableName(f) !== null || isManifestName(f));
  const logs = files.filter((f) => logNumberOf(f) !== null && (o.env.size(join(o.dir, f)) ?? 0) > 0);
  if (tables.length > 0 || logs.length > 0) throw new MissingManifestError(o.dir, tables, logs);
  return { manifest: Manifest.create(manifestOptions, EMPTY_STATE), state: EMPTY_STATE };
}

/**
 * Every table the version holds must be there with the size recorded. One missing under its
 * level's name but present under another level's (a trivial move whose edit was not recorded,
 * or whose rename back was cut short) is renamed to the name the manifest gives it.
 */
function findTables(o: RecoveryOptions, version: Version): void {
  const repair = `run "wasm-lsm repair ${o.dir}" to rebuild the manifest from the files present`;
  const byNumber = new Map<number, string[]>();
  for (const f of o.env.list(o.dir)) {
    const t = parseTableName(f);
    if (t !== null) byNumber.set(t.number, [...(byNumber.get(t.number) ?? []), f]);
  }
  for (const t of version.tables()) {
    const path = join(o.dir, t.name);
    let size = o.env.size(path);
    const elsewhere = (byNumber.get(t.number) ?? []).filter((f) => f !== t.name);
    if (size === null && elsewhere.length === 1 && o.env.size(join(o.dir, elsewhere[0])) === t.fileSize) {
      o.env.rename(join(o.dir, elsewhere[0]), path);
      if (o.durable) o.env.syncDir(o.dir);
      o.log(`recovery: ${elsewhere[0]} renamed to ${t.name}, the level the manifest holds it at`);
      size = t.fileSize;
    }
    if (size === null) throw new CorruptionError(path, 0, `the manifest lists this table but the file is missing; ${repair}`);
    if (size !== t.fileSize) throw new CorruptionError(path, Math.min(size, t.fileSize), `the manifest records ${t.fileSize} bytes, the file has ${size}; ${repair}`);
  }
}

/** Removes what is provably garbage (see the top of this file); returns the names left. */
function removeLeftovers(o: RecoveryOptions, state: ManifestState, version: Version, current: string): string[] {
  const live = new Set([...version.tables()].map((t) => t.name));
  const deleted = new Set(state.deletedTables);
  const remove = (name: string, why: string) => {
    o.log(`recovery: removing ${name} (${why})`);
    o.env.remove(join(o.dir, name));
  };
  const kept: string[] = [];
  for (const f of o.env.list(o.dir)) {
    const table = parseTableName(f);
    const log = logNumberOf(f);
    if (isStoreTemp(f)) remove(f, "never renamed into place");
    else if (isManifestName(f) && f !== current) remove(f, `CURRENT names ${current}`);
    else if (f === LEGACY_MANIFEST) remove(f, `upgraded to ${current}`);
    else if (table !== null && !live.has(f) && table.number >= state.nextFileNumber) remove(f, "a flush or compaction cut short before its manifest edit");
    else if (table !== null && !live.has(f) && deleted.has(table.number)) remove(f, "deleted by a compaction the manifest records");
    else if (table !== null && !live.has(f)) o.log(`recovery: ${f} is not in the manifest; moved to ${moveToLost(o.env, o.dir, f, o.durable)}`);
    else if (log !== null && log < state.logNumber) remove(f, "covered by the tables");
    else {
      if (table === null && log === null && looksLikeStoreFile(f)) o.log(`recovery: ignoring ${f}: not a name this store writes`);
      kept.push(f);
    }
  }
  return kept;
}

/**
 * Replays the live logs into the MemTable, as the recovery mode says (wal-recovery.ts): every log
 * is read and judged before anything is applied or moved, so a refused start leaves every file as
 * it was. The last log is returned when new writes can be appended to it (it was replayed whole,
 * or but for a torn tail): then restarts do not pile up logs.
 */
function replayLogs(o: RecoveryOptions, state: ManifestState): { sequence: number; nextLogNumber: number; lastLog: { number: number; end: number } | null } {
  const recovery = new LogRecovery(o.walRecoveryMode, o.log);
  const live = o.env
    .list(o.dir)
    .map(logNumberOf)
    .filter((n): n is number => n !== null && n >= state.logNumber)
    .sort((a, b) => a - b);
  const verdicts = live.map((n) => {
    const name = logName(n);
    const bytes = o.env.readFile(join(o.dir, name));
    const decoded = decodeLog(o.kernels, join(o.dir, name), bytes);
    return { n, name, bytes, decoded, verdict: recovery.decide(decoded) };
  });
  let sequence = state.lastSequence;
  let nextLogNumber = 1;
  for (const { n, name, bytes, verdict } of verdicts) {
    let entries = 0;
    for (const batch of verdict.batches) {
      batch.ops.forEach((op, i) => o.memtable.put(op.key, op.value, batch.sequence + i, op.kind));
      sequence = Math.max(sequence, batch.sequence + batch.ops.length - 1);
      entries += batch.ops.length;
    }
    if (entries > 0) o.log(`recovery: replayed ${entries} ${entries === 1 ? "write" : "writes"} from ${name}`);
    if (verdict.keepBytes !== null) {
      const moved = setAsideLog(o.env, o.dir, name, bytes, verdict.keepBytes, o.durable);
      o.log(`recovery: ${name} ${verdict.keepBytes === 0 ? "moved" : `cut to its first ${verdict.keepBytes} bytes, the whole file copied`} to ${moved}`);
    }
    // a log moved aside keeps its number: the next log must not take it again
    nextLogNumber = Math.max(nextLogNumber, n + 1);
  }
  // New writes go on from the point of recovery, so that the next start finds no gap after it.
  const stop = recovery.stoppedAfterSequence;
  if (stop !== null) sequence = stop;
  const last = verdicts.at(-1);
  const reusable = last !== undefined && stop === null && last.verdict.keepBytes === null && last.decoded.dropped.every((d) => d.torn);
  return { sequence, nextLogNumber, lastLog: reusable ? { number: last.n, end: last.decoded.end } : null };
}
