// `wasm-lsm repair DIR` as a library function: rebuilds a store's MANIFEST from the tables and logs
// present, as LevelDB's RepairDB (db/repair.cc) and RocksDB's `ldb repair` do. Under the
// directory's lock (lock.ts), in this order:
//
//   1. NAME.tmp files are removed: never renamed into place, nothing refers to them;
//   2. every table is scanned (table-scan.ts); one that fails is moved to lost/ (lost.ts);
//   3. every log is replayed and written as a level-0 table (NAME.tmp, fsync, rename, directory
//      fsync), numbered after every table present; a log that cannot be read goes to lost/;
//   4. every table is put at level 0, renamed L0_<n> with fresh numbers in the order reads must
//      ask them (the deepest level's first, level 0's last, the tables made from logs after them):
//      as LevelDB's repairer, which puts every table it finds at level 0;
//   5. the old manifests (CURRENT, MANIFEST-NNNNNN, a 0.1 MANIFEST) are moved to lost/, and a new
//      one written (manifest.ts Manifest.create): lastSequence the largest sequence seen, file
//      numbers past every file present, every log covered;
//   6. only then is each converted log moved to lost/ (LevelDB archives them too: a log's damaged
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
import { LEGACY_MANIFEST } from "./legacy-manifest.js";
import { CURRENT, Manifest } from "./manifest.js";
import type { ManifestState } from "./manifest-log.js";
import { EMPTY_STATE } from "./recovery.js";
import { isManifestName } from "./store-files.js";
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
  readonly manifest: ManifestState;
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
  if (!files.some((f) => isManifestFile(f) || parseTableName(f) !== null || logNumberOf(f) !== null)) {
    throw new RepairError(`${dir} holds no wasm-lsm files (tables, logs or a manifest); nothing to repair`);
  }
  const unlock = lockDir(env, dir);
  try {
    return new Repair(options, env, files).run();
  } finally {
    unlock();
  }
}

const isManifestFile = (f: string) => f === CURRENT || f === LEGACY_MANIFEST || isManifestName(f);

interface FoundTable {
  readonly name: string;
  readonly level: number;
  readonly number: number;
  readonly facts: TableFacts;
  readonly fromLog: boolean;
}

class Repair {
  private readonly dir: string;
  private readonly report: (line: string) => void;
  private readonly tables: FoundTable[] = [];
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
      `${this.lost.length} file${this.lost.length === 1 ? "" : "s"} moved to lost/, last sequence ${this.lastSequence}; ${CURRENT} and a new manifest written`;
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
    this.record(table, facts, true);
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

  private record(name: string, facts: TableFacts, fromLog = false): void {
    const { level, number } = parseTableName(name)!;
    this.tables.push({ name, level, number, facts, fromLog });
    this.lastSequence = Math.max(this.lastSequence, facts.largestSequence);
  }

  /**
   * Every table at level 0, renamed L0_<fresh n> in the order a read must ask them, oldest first:
   * deeper levels hold older versions of a key than the levels above, level 0 newest by number,
   * and the tables made from logs are the newest of all (they come last in this.tables already).
   */
  private placeAtLevel0(): { number: number; fileSize: number; smallest: Uint8Array; largest: Uint8Array }[] {
    // deepest level first; the tables made from logs (rank -1) last
    const rank = (t: FoundTable) => (t.fromLog ? -1 : t.level);
    const order = [...this.tables].sort((a, b) => rank(b) - rank(a) || a.number - b.number);
    const placed: { number: number; fileSize: number; smallest: Uint8Array; largest: Uint8Array }[] = [];
    for (const t of order) {
      let name = t.name;
      if (t.level !== 0 || (placed.length > 0 && t.number <= placed[placed.length - 1].number)) {
        name = tableName(0, this.nextTableNumber++);
        this.env.rename(join(this.dir, t.name), join(this.dir, name));
        this.env.syncDir(this.dir);
        this.report(`${t.name}: renamed ${name}, at level 0`);
      }
      const empty = new Uint8Array(8);
      placed.push({ number: parseTableName(name)!.number, fileSize: t.facts.fileSize, smallest: t.facts.smallestKey ?? empty, largest: t.facts.largestKey ?? empty });
    }
    return placed;
  }

  private writeManifest(logNumber: number): ManifestState {
    for (const f of this.files.filter(isManifestFile)) this.report(`${f}: the old one moved to ${this.moveToLost(f)}`);
    const level0 = this.placeAtLevel0();
    const state: ManifestState = {
      ...EMPTY_STATE,
      logNumber, // every log present is converted or moved aside
      nextFileNumber: this.nextTableNumber,
      lastSequence: this.lastSequence,
      levels: EMPTY_STATE.levels.map((_, level) => (level === 0 ? level0 : [])),
    };
    Manifest.create({ env: this.env, dir: this.dir, kernels: this.options.kernels, durable: true }, state).close();
    return state;
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
