// `wasm-lsm repair DIR` as a library function: rebuilds a store's MANIFEST from the tables and logs
// present, as LevelDB's RepairDB (db/repair.cc) and RocksDB's `ldb repair` do. Under the
// directory's lock (lock.ts), in this order:
//
//   1. NAME.tmp files are removed: never renamed into place, nothing refers to them;
//   2. every table is scanned (table-scan.ts); one that fails is moved to lost/ (lost.ts);
//   3. every log is replayed and written as a level-0 table (NAME.tmp, fsync, rename, directory
//      fsync), numbered after every table present; a log that cannot be read goes to lost/;
//   4. the old MANIFEST, if any, is moved to lost/, and the new one written atomically (files.ts):
//      the tables oldest first, lastSequence the largest sequence seen, file numbers past every
//      file present, every log covered;
//   5. only then is each converted log moved to lost/ (LevelDB archives them too: a log's damaged
//      tail may hold what a person wants back); an empty log is removed.
//
// Nothing but a .tmp or an empty log is deleted. One report line per file, and a summary.

import { basename, join } from "node:path";
import { DEFAULT_BITS_PER_KEY } from "../kernels/bloom-layout.js";
import type { Kernels } from "../kernels/types.js";
import { nodeEnv } from "../io/node-env.js";
import { internalKey } from "../sstable/format.js";
import { showBytes } from "../sstable/layout.js";
import { TableBuilder } from "../sstable/writer.js";
import type { Env } from "./env.js";
import { lockDir } from "./env-lock.js";
import { moveToLost } from "./lost.js";
import { MANIFEST, writeManifest, type ManifestBody, type TableRecord } from "./manifest.js";
import { MemTable } from "./memtable.js";
import { isStoreTemp, logNumberOf, looksLikeStoreFile, parseTableName, tableName } from "./store.js";
import { scanTable, type TableFacts } from "./table-scan.js";
import { decodeLog } from "./wal-recovery.js";

export interface RepairOptions {
  readonly kernels: Kernels;
  readonly dir: string;
  /** Bloom filter bits per key of the tables made from logs (default 10). */
  readonly bitsPerKey?: number;
  /** Called with one line per file, as it is handled. */
  readonly report?: (line: string) => void;
  /** The file system the directory is on (default node:fs). */
  readonly env?: Env;
}

export interface RepairResult {
  readonly manifest: ManifestBody;
  /** Tables found and kept. */
  readonly kept: number;
  /** Tables made from logs. */
  readonly converted: number;
  /** Paths, relative to the directory, of what was moved to lost/ (converted logs included). */
  readonly lost: readonly string[];
  readonly summary: string;
}

/** The directory cannot be repaired as it is (not a store); nothing was changed. */
export class RepairError extends Error {
  override readonly name = "RepairError";
}

/** Rebuilds dir's MANIFEST; throws RepairError, LockedError (lock.ts), or an I/O error. */
export function repairStore(options: RepairOptions): RepairResult {
  const { dir } = options;
  const env = options.env ?? nodeEnv;
  const files = listDir(env, dir);
  if (!files.some((f) => f === MANIFEST || parseTableName(f) !== null || logNumberOf(f) !== null)) {
    throw new RepairError(`${dir} holds no wasm-lsm files (tables, logs or a MANIFEST); nothing to repair`);
  }
  const unlock = lockDir(env, dir);
  try {
    return new Repair(options, env, files).run();
  } finally {
    unlock();
  }
}

class Repair {
  private readonly dir: string;
  private readonly report: (line: string) => void;
  private readonly tables: TableRecord[] = [];
  private readonly lost: string[] = [];
  private readonly afterManifest: (() => void)[] = [];
  private lastSequence = 0;
  private nextTableNumber: number;
  private converted = 0;

  constructor(
    private readonly options: RepairOptions,
    private readonly env: Env,
    private readonly files: readonly string[],
  ) {
    this.dir = options.dir;
    this.report = options.report ?? (() => {});
    this.nextTableNumber = 1 + Math.max(0, ...files.map((f) => parseTableName(f)?.number ?? 0));
  }

  run(): RepairResult {
    for (const f of this.files) {
      if (isStoreTemp(f)) this.remove(f, "a temporary file never renamed into place");
      else if (looksLikeStoreFile(f) && parseTableName(f) === null && logNumberOf(f) === null) this.report(`${f}: ignored, not a name the store writes`);
    }
    const tables = this.files.filter((f) => parseTableName(f) !== null).sort((a, b) => parseTableName(a)!.number - parseTableName(b)!.number);
    for (const f of tables) this.keepTable(f);
    const kept = this.tables.length;
    const logs = this.files.filter((f) => logNumberOf(f) !== null).sort((a, b) => logNumberOf(a)! - logNumberOf(b)!);
    for (const f of logs) this.convertLog(f);
    const manifest = this.writeManifest(1 + Math.max(0, ...logs.map((f) => logNumberOf(f)!)));
    for (const step of this.afterManifest) step();
    const summary =
      `repaired ${this.dir}: ${this.tables.length} tables (${kept} kept, ${this.converted} from logs), ` +
      `${this.lost.length} file${this.lost.length === 1 ? "" : "s"} moved to lost/, last sequence ${this.lastSequence}; ${MANIFEST} written`;
    return { manifest, kept, converted: this.converted, lost: this.lost, summary };
  }

  private keepTable(name: string): void {
    let facts: TableFacts;
    try {
      facts = scanTable(this.env, this.options.kernels, join(this.dir, name));
    } catch (err) {
      this.report(`${name}: moved to ${this.moveToLost(name)}: ${(err as Error).message}`);
      return;
    }
    this.record(name, facts);
    this.report(`${name}: kept, ${describe(facts)}`);
  }

  private convertLog(name: string): void {
    const path = join(this.dir, name);
    const bytes = this.env.readFile(path);
    if (bytes.length === 0) {
      this.afterManifest.push(() => this.remove(name, "an empty log"));
      return;
    }
    let mem: MemTable;
    let writes: number;
    try {
      [mem, writes] = this.replay(path, bytes);
    } catch (err) {
      this.report(`${name}: moved to ${this.moveToLost(name)}: ${(err as Error).message}`);
      return;
    }
    if (mem.count === 0) {
      this.report(`${name}: moved to ${this.moveToLost(name)}: ${bytes.length} bytes and no write in them`);
      return;
    }
    const table = tableName(0, this.nextTableNumber++);
    this.writeTable(table, mem);
    const facts = scanTable(this.env, this.options.kernels, join(this.dir, table));
    this.record(table, facts);
    this.converted++;
    this.report(`${name}: ${writes} writes -> ${table}, ${describe(facts)}`);
    this.afterManifest.push(() => this.report(`${name}: moved to ${this.moveToLost(name)} (its writes are in ${table})`));
  }

  /**
   * The log's writes in a MemTable (the newest of each key, with its sequence), and their count.
   * Damaged records are skipped and reported, as LevelDB's RepairDB does (the whole log goes to
   * lost/ afterwards, damage and all).
   */
  private replay(path: string, bytes: Uint8Array): [MemTable, number] {
    const mem = new MemTable();
    let writes = 0;
    const log = decodeLog(this.options.kernels, path, bytes);
    for (const d of log.dropped) this.report(`${basename(path)}: skipped ${d.length} bytes at offset ${d.offset}: ${d.reason}`);
    for (const { batch } of log.batches) {
      batch.ops.forEach((op, i) => mem.put(op.key, op.value, batch.sequence + i, op.kind));
      writes += batch.ops.length;
    }
    return [mem, writes];
  }

  /** Writes a level-0 table durably, as the store's flush does: NAME.tmp, fsync, rename, dir fsync. */
  private writeTable(name: string, mem: MemTable): void {
    const tmp = join(this.dir, `${name}.tmp`);
    const builder = new TableBuilder(this.env.create(tmp, { exclusive: true }), { kernels: this.options.kernels, bitsPerKey: this.options.bitsPerKey ?? DEFAULT_BITS_PER_KEY });
    try {
      for (const e of mem.versionsToKeep()) builder.add(internalKey(e.key, e.sequence, e.kind), e.value);
      builder.finish(); // fsyncs and closes NAME.tmp
    } catch (err) {
      builder.abandon();
      this.env.remove(tmp);
      throw err;
    }
    this.env.rename(tmp, join(this.dir, name));
    this.env.syncDir(this.dir);
  }

  private record(name: string, facts: TableFacts): void {
    const { level, number } = parseTableName(name)!;
    this.tables.push({ name, level, number, entries: facts.entries, fileSize: facts.fileSize, tailSize: facts.tailSize, filterBits: facts.filterBits });
    this.lastSequence = Math.max(this.lastSequence, facts.largestSequence);
  }

  private writeManifest(nextFileNumber: number): ManifestBody {
    if (this.files.includes(MANIFEST)) this.report(`${MANIFEST}: the old one moved to ${this.moveToLost(MANIFEST)}`);
    const body: ManifestBody = {
      version: 1,
      logNumber: nextFileNumber, // every log present is converted or moved aside
      nextFileNumber,
      nextTableNumber: this.nextTableNumber,
      lastSequence: this.lastSequence,
      tables: this.tables,
    };
    const unsynced = writeManifest(this.env, this.dir, body, true);
    if (unsynced !== null) throw unsynced; // the rename may not survive a crash: the repair is not done
    return body;
  }

  private moveToLost(name: string): string {
    const to = moveToLost(this.env, this.dir, name, true);
    this.lost.push(to);
    return to;
  }

  private remove(name: string, why: string): void {
    this.env.remove(join(this.dir, name));
    this.report(`${name}: removed, ${why}`);
  }
}

/** The sorted names in dir; a RepairError when it is not a directory one can list. */
function listDir(env: Env, dir: string): string[] {
  try {
    return env.list(dir).sort();
  } catch {
    throw new RepairError(`${dir} is not a directory`);
  }
}

function describe(f: TableFacts): string {
  const range = f.smallest === null ? "no keys" : `keys ${showBytes(f.smallest)} to ${showBytes(f.largest!)}`;
  return `${f.entries} entries, ${range}, largest sequence ${f.largestSequence}, ${f.fileSize} bytes`;
}
