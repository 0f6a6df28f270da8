// One table file being written by a flush or a compaction, durable in LevelDB's BuildTable order:
// NAME.tmp written and fsynced (TableBuilder.finish), then renamed to NAME. The caller fsyncs the
// directory once for all the tables it renames, before a version edit records them
// (ARCHITECTURE.md "Durability"). A table given up, or failing, leaves neither name behind.

import { join } from "node:path";
import { TableBuilder, type TableBuilderOptions } from "../sstable/writer.js";
import { internalKey } from "../sstable/format.js";
import type { Env } from "./env.js";
import { removeQuietly } from "./files.js";
import type { TableMeta } from "./version.js";

export interface WrittenTable extends TableMeta {
  readonly entries: number;
  readonly filterBits: number;
  /** Bytes after the data blocks: a reader opens the table with one read of this many. */
  readonly tailSize: number;
}

export class TableFile {
  private readonly builder: TableBuilder;
  private readonly path: string;
  private readonly tmp: string;
  private renamed = false;
  private smallest: Uint8Array | null = null;
  private largest: Uint8Array | null = null;
  /** The user key of the last entry added: a compaction cuts tables only between user keys. */
  lastUserKey: Uint8Array | null = null;
  entries = 0;

  constructor(
    private readonly env: Env,
    dir: string,
    readonly level: number,
    readonly number: number,
    readonly name: string,
    options: TableBuilderOptions,
  ) {
    this.path = join(dir, name);
    this.tmp = `${this.path}.tmp`;
    removeQuietly(env, this.tmp); // left by a write that failed when its removal failed too: never recorded
    this.builder = new TableBuilder(env.create(this.tmp, { exclusive: true }), options);
  }

  /** Adds version `sequence` of userKey (in internal-key order); key and value are copied. */
  add(userKey: Uint8Array, sequence: number, kind: number, value: Uint8Array): void {
    const key = internalKey(userKey, sequence, kind as 0 | 1);
    this.builder.add(key, value);
    this.smallest ??= key;
    this.largest = key;
    this.lastUserKey = key.subarray(0, key.length - 8);
    this.entries++;
  }

  get estimatedSize(): number {
    return this.builder.estimatedSize;
  }

  /** Finishes (fsyncs) and renames the table; the caller fsyncs the directory. */
  finish(): WrittenTable {
    const summary = this.builder.finish();
    this.env.rename(this.tmp, this.path);
    this.renamed = true;
    const empty = new Uint8Array(8);
    return {
      level: this.level,
      number: this.number,
      name: this.name,
      fileSize: summary.fileSize,
      smallest: this.smallest ?? empty,
      largest: this.largest ?? empty,
      entries: summary.entries,
      filterBits: summary.filterBits,
      tailSize: summary.tailSize,
    };
  }

  /** Gives up: the file is closed and removed, whichever name it has. Never throws. */
  abandon(): void {
    try {
      this.builder.abandon();
    } catch {
      // the file is closed all the same (AppendableFile.close); its removal is what matters
    }
    removeQuietly(this.env, this.renamed ? this.path : this.tmp);
  }
}
