// `wasm-lsm db check DIR`: is the store sound? It reads, and never writes: the store is not opened
// (opening takes the lock, replays the logs and tidies the directory); the manifest is replayed
// read-only (manifest.ts readStoreManifest) and every file is opened for reading only. A directory
// a running node holds is refused (its files change under a check), without taking its lock.
//
//   1. the manifest: CURRENT names a manifest, and it replays;
//   2. each table it names: the file is there with the recorded size; every block sound, as `sst
//      check` verifies a table (sst-check.ts checkTable: checksums, key order, lookups through the
//      index and the Bloom filter, property counts); its first and last internal keys the ones the
//      manifest records;
//   3. levels 1 and deeper: their tables' key ranges do not overlap;
//   4. each live write-ahead log (numbered at or past the manifest's log number) decodes: damage
//      is a problem, a torn last record a note (the node's default recovery mode drops it).
//
// Every problem is one line on stderr (the CorruptionError text: file, offset, check), and the
// check goes on to the next file; then exit 1. Notes (what the next open will tidy) go to stderr
// too and do not fail the check. When all is sound, one line on stdout:
//
//   ok: T tables (E entries, B data blocks, S bytes) in MANIFEST-NNNNNN; L logs (W writes)
//
// A LevelDB directory (db-leveldb.ts) is checked through the directory reader, which opens it read
// only: CURRENT, the manifest, every table there with its recorded size and the live logs
// decoding, or one problem that ends the check; then steps 2 and 3 as above, table by table. Its
// LOCK is not read (LevelDB locks with fcntl, which says nothing to a reader of the file).

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { nodeEnv } from "../io/node-env.js";
import { openLevelDbDirectory } from "../lsm/leveldb-directory.js";
import type { Kernels } from "../kernels/types.js";
import { LockedError, LOCK_FILE, lockIsHeld, parseLock, readLock } from "../lsm/lock.js";
import { readStoreManifest, type ManifestSummary } from "../lsm/manifest.js";
import type { TableFile } from "../lsm/manifest-log.js";
import { logNumberOf, parseTableName, tableName } from "../lsm/store-files.js";
import { userKeyOf, type TableMeta } from "../lsm/version.js";
import { decodeLog } from "../lsm/wal-recovery.js";
import { CorruptionError } from "../sstable/errors.js";
import { showBytes } from "../sstable/layout.js";
import { PROGRESS_FLAG, PROGRESS_HELP } from "./db-flags.js";
import { holdsLevelDb } from "./db-leveldb.js";
import { checkStoreDir, StoreDirError } from "./db-store.js";
import { progressBar, type ProgressBar } from "./progress.js";
import { checkTable } from "./sst-check.js";
import { count, failureMessage, KERNELS_FLAG, KERNELS_HELP, kernelsFlag, withTable, type Flags, type SstCommand as DbCommand } from "./sst-common.js";
import type { Output } from "./sst-output.js";

export const check: DbCommand = {
  synopsis: "check DIR [--progress]",
  help: `Verifies the store without changing it: the manifest replays; every table it names is
there with its recorded size, every block's checksum, key order, lookups and property counts (as
sst check), and the key range the manifest records; tables of levels 1 and deeper do not overlap;
the live write-ahead logs decode. Reads only: it does not open the store (which would replay the
logs and write), and refuses a directory a running node holds. A LevelDB directory is checked the
same way, read only (its LOCK is not looked at: stop the LevelDB process first). Prints one line per problem on
stderr (file, offset, check) and exits 1; or, when all is sound, on stdout:
  ok: T tables (E entries, B data blocks, S bytes) in MANIFEST-NNNNNN; L logs (W writes)

Options:
${PROGRESS_HELP}
${KERNELS_HELP}`,
  operands: ["DIR"],
  flags: { ...KERNELS_FLAG, ...PROGRESS_FLAG },
  run: runCheck,
};

/** The check found problems (each already printed): exit 1. */
export class CheckFailed extends Error {
  override readonly name = "CheckFailed";
}

interface Totals {
  tables: number;
  entries: number;
  dataBlocks: number;
  bytes: number;
  logs: number;
  writes: number;
}

/** What the check tells as it goes: problems and notes on stderr; the problems are counted. */
class Report {
  problems = 0;
  problem(err: unknown): void {
    const message = failureMessage(err, undefined);
    if (message === null) throw err;
    this.problems++;
    process.stderr.write(`wasm-lsm db check: ${message}\n`);
  }
  note(text: string): void {
    process.stderr.write(`wasm-lsm db check: note: ${text}\n`);
  }
}

async function runCheck([dir]: readonly string[], flags: Flags, out: Output): Promise<void> {
  const kernels = kernelsFlag(flags);
  if (holdsLevelDb(dir)) return checkLevelDb(dir, kernels, out);
  checkStoreDir(dir, false);
  refuseLiveNode(dir);
  const summary = readStoreManifest(dir, nodeEnv, kernels);
  if (summary === null) throw new StoreDirError(`${dir} is a store of wasm-lsm 0.1 (a JSON MANIFEST, no CURRENT): open it once (wasm-lsm db stats ${dir}) to upgrade it, then check it`);
  const report = new Report();
  const totals: Totals = { tables: 0, entries: 0, dataBlocks: 0, bytes: 0, logs: 0, writes: 0 };
  const bar = progressBar(flags.progress === true, "check");
  try {
    await checkFiles(dir, summary, kernels, report, totals, bar);
  } finally {
    bar?.done();
  }
  const levels = summary.state.levels.map((ts, level) => ts.map((t) => ({ name: tableName(level, t.number), smallest: userKeyOf(t.smallest), largest: userKeyOf(t.largest) })));
  checkLevels(join(dir, summary.current), levels, report);
  conclude(report, totals, summary.current, out);
}

/** Exit 1 after the problems reported, or the ok line. */
function conclude(report: Report, totals: Totals, manifest: string, out: Output): void {
  if (report.problems > 0) throw new CheckFailed(`${count(report.problems, "problem", "problems")} found`);
  const tables = `${count(totals.tables, "table", "tables")} (${count(totals.entries, "entry", "entries")}, ${count(totals.dataBlocks, "data block", "data blocks")}, ${count(totals.bytes, "byte", "bytes")})`;
  out.push(`ok: ${tables} in ${manifest}; ${count(totals.logs, "log", "logs")} (${count(totals.writes, "write", "writes")})\n`);
}

/** The check of a LevelDB directory: opening it read only checks the manifest, the tables' presence and sizes, and the logs. */
async function checkLevelDb(dir: string, kernels: Kernels, out: Output): Promise<void> {
  const db = openLevelDbDirectory(nodeEnv, dir, { kernels });
  const report = new Report();
  const totals: Totals = { tables: 0, entries: 0, dataBlocks: 0, bytes: 0, logs: 0, writes: 0 };
  try {
    for (const t of db.tables()) {
      try {
        await verifyTable(join(dir, t.name), t, kernels, totals);
      } catch (err) {
        report.problem(err);
      }
    }
    for (const log of db.logs) {
      if (log.tornTail !== null) report.note(`${join(dir, log.name)}: a torn last record at offset ${log.tornTail.offset} (${log.tornTail.length} bytes; ${log.tornTail.reason}): LevelDB drops it`);
      totals.logs++;
      totals.writes += log.writes;
    }
    checkLevels(join(dir, db.manifest), db.levels.map((l) => l.tables), report);
    const listed = new Set(db.tables().map((t) => t.name));
    for (const f of readdirSync(dir)) if (/^[0-9]{6,}\.(ldb|sst)$/.test(f) && !listed.has(f)) report.note(`${f} is not in the manifest: LevelDB removes it at its next open`);
  } finally {
    db.close();
  }
  conclude(report, totals, db.manifest, out);
}

/** A live node's files change under a check: refuse, as opening would, but without taking the lock. */
function refuseLiveNode(dir: string): void {
  const text = readLock(join(dir, LOCK_FILE));
  if (text === null || !lockIsHeld(text)) return;
  throw new LockedError(`${dir} is in use by a running wasm-lsm node (pid ${parseLock(text)!.pid}); check reads a stopped store: stop the node first`);
}

/** Steps 2 and 4, file by file; problems are reported and the check goes on. */
async function checkFiles(dir: string, summary: ManifestSummary, kernels: Kernels, report: Report, totals: Totals, bar: ProgressBar | null): Promise<void> {
  const names = readdirSync(dir);
  const tables = summary.state.levels.flatMap((ts, level) => ts.map((t) => ({ ...t, level, name: tableName(level, t.number) })));
  const logs = names.filter((f) => (logNumberOf(f) ?? -1) >= summary.logNumber).sort();
  const logBytes = logs.map((f) => statSync(join(dir, f)).size);
  const total = tables.reduce((n, t) => n + t.fileSize, 0) + logBytes.reduce((a, b) => a + b, 0);
  let done = 0;
  const files = tables.length + logs.length;
  const step = (bytes: number, i: number) => bar?.update((done += bytes) / total, `${i + 1} of ${files} files`);
  for (const [i, t] of tables.entries()) {
    try {
      await checkStoreTable(dir, t, names, kernels, report, totals);
    } catch (err) {
      report.problem(err);
    }
    step(t.fileSize, i);
  }
  for (const [i, f] of logs.entries()) {
    checkLog(join(dir, f), kernels, report, totals);
    step(logBytes[i], tables.length + i);
  }
  const listed = new Set(tables.map((t) => t.name));
  for (const f of names) if (parseTableName(f) !== null && !listed.has(f) && !movedTable(f, tables, names)) report.note(`${f} is not in the manifest: the next open removes it or moves it to lost/`);
}

type ListedTable = TableFile & { readonly level: number; readonly name: string };

/** One table of the manifest: there, its size, its blocks (checkTable), its key range. */
async function checkStoreTable(dir: string, t: ListedTable, names: readonly string[], kernels: Kernels, report: Report, totals: Totals): Promise<void> {
  let path = join(dir, t.name);
  if (!names.includes(t.name)) {
    const elsewhere = names.filter((f) => parseTableName(f)?.number === t.number);
    if (elsewhere.length !== 1) throw new CorruptionError(path, 0, "the manifest lists this table but the file is missing");
    report.note(`${t.name} is at ${elsewhere[0]} (a trivial move cut short): the next open renames it`);
    path = join(dir, elsewhere[0]);
  }
  const size = statSync(path).size;
  if (size !== t.fileSize) throw new CorruptionError(path, Math.min(size, t.fileSize), `the manifest records ${t.fileSize} bytes, the file has ${size}`);
  await verifyTable(path, t, kernels, totals);
}

/** A table's blocks sound (checkTable), and its first and last keys the manifest's. */
async function verifyTable(path: string, t: Pick<TableMeta, "smallest" | "largest">, kernels: Kernels, totals: Totals): Promise<void> {
  await withTable(path, kernels, (table) => {
    const s = checkTable(table);
    const it = table.iterator();
    const [first, last] = [it.first()?.key.slice() ?? null, it.last()?.key.slice() ?? null];
    it.close();
    if (first !== null && last !== null && !(sameBytes(first, t.smallest) && sameBytes(last, t.largest))) {
      const range = (a: Uint8Array, b: Uint8Array) => `${showBytes(userKeyOf(a))} to ${showBytes(userKeyOf(b))}`;
      throw new CorruptionError(path, 0, `key range: the manifest records ${range(t.smallest, t.largest)}, the table holds ${range(first, last)} (internal keys, sequence numbers included)`);
    }
    totals.tables++;
    totals.entries += s.entries;
    totals.dataBlocks += s.dataBlocks;
    totals.bytes += s.fileSize;
  });
}

/** Whether an unlisted table file is a listed table's, under another level's name. */
function movedTable(f: string, tables: readonly ListedTable[], names: readonly string[]): boolean {
  const n = parseTableName(f)!.number;
  return tables.some((t) => t.number === n && !names.includes(t.name));
}

/** Step 4: a live log decodes; damage before its end is a problem, a torn last record a note. */
function checkLog(path: string, kernels: Kernels, report: Report, totals: Totals): void {
  let decoded;
  try {
    decoded = decodeLog(kernels, path, readFileSync(path));
  } catch (err) {
    report.problem(err);
    return;
  }
  for (const d of decoded.dropped) {
    if (d.torn) report.note(`${path}: a torn last record at offset ${d.offset} (${d.length} bytes; ${d.reason}): the next open drops it`);
    else report.problem(new CorruptionError(path, d.offset, `log record damaged (${d.length} bytes): ${d.reason}`));
  }
  totals.logs++;
  totals.writes += decoded.batches.reduce((n, b) => n + b.batch.ops.length, 0);
}

/** A table's name and user-key range, as step 3 compares them. */
interface TableRange {
  readonly name: string;
  readonly smallest: Uint8Array;
  readonly largest: Uint8Array;
}

/** Step 3: in levels 1 and deeper (each in key order), each table's keys all sort before the next table's. */
function checkLevels(manifestPath: string, levels: readonly (readonly TableRange[])[], report: Report): void {
  levels.forEach((tables, level) => {
    if (level === 0) return;
    for (let i = 1; i < tables.length; i++) {
      const [a, b] = [tables[i - 1], tables[i]];
      if (Buffer.compare(a.largest, b.smallest) < 0) continue;
      const what = (t: TableRange) => `${t.name} (${showBytes(t.smallest)} to ${showBytes(t.largest)})`;
      report.problem(new CorruptionError(manifestPath, 0, `level ${level}: ${what(a)} overlaps ${what(b)}; a level below 0 holds disjoint tables`));
    }
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
