// The store's manifest on disk (LevelDB's db/version_set.cc LogAndApply and Recover): an
// append-only MANIFEST-NNNNNN of version edits (manifest-log.ts, version-edit.ts), and CURRENT, a
// one-line file naming the live one, replaced atomically (files.ts). A new manifest, starting
// with a snapshot of the whole state, is begun when the old one passes `rollBytes`, after an
// append that could not be cut back, and after a torn tail. FORMAT.md "Manifest (version edits)".
//
// An edit is recorded when its record is appended and fsynced. When that fails, the file is cut
// back to its last record and synced again: then the edit is certainly not recorded. When that
// fails too, it is uncertain (the record may be durable or not), and the error says so
// (ManifestWriteError.uncertain): the caller must then keep every file either outcome needs, and
// the next edit goes to a new manifest, whose snapshot settles the question.

import { join } from "node:path";
import { nodeEnv } from "../io/node-env.js";
import { jsKernels } from "../kernels/js.js";
import type { Kernels } from "../kernels/types.js";
import { CorruptionError } from "../sstable/errors.js";
import type { AppendableFile, Env } from "./env.js";
import { removeQuietly, writeFileAtomic, writeWholeFile } from "./files.js";
import { ManifestWriter, readManifest, snapshotEdit, type ManifestState } from "./manifest-log.js";
import type { VersionEdit } from "./version-edit.js";
import { CURRENT, manifestName, manifestNumberOf, parseCurrent } from "./manifest-name.js";

export { CURRENT, manifestName, manifestNumberOf } from "./manifest-name.js";

/** A new manifest is begun once the live one passes this many bytes (RocksDB's max_manifest_file_size is larger; ours keep recovery quick). */
export const DEFAULT_MANIFEST_ROLL_BYTES = 4 * 1024 * 1024;

/** An edit that was not recorded; `uncertain`: it may be durable all the same. */
export class ManifestWriteError extends Error {
  override readonly name = "ManifestWriteError";
  constructor(
    override readonly cause: Error,
    readonly uncertain: boolean,
  ) {
    super(`${uncertain ? "manifest write failed and could not be cut back" : "manifest write failed"}: ${cause.message}`);
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string") Object.assign(this, { code });
  }
}

export interface ManifestOptions {
  readonly env: Env;
  readonly dir: string;
  readonly kernels: Kernels;
  /** fsync files and the directory (false: an ephemeral store, which outlives nothing). */
  readonly durable: boolean;
  readonly rollBytes?: number;
  /** Open without a file to append to (tools that only read). */
  readonly readOnly?: boolean;
}

/** The live manifest: reads it on open, appends edits, begins a new one when due. */
export class Manifest {
  private file: AppendableFile | null = null;
  private writer: ManifestWriter | null = null;
  private size = 0;
  private number: number;
  private readonly rollBytes: number;
  /** The next edit starts a new manifest (the live one is damaged at its end, or too big). */
  private rollDue: boolean;

  private constructor(
    private readonly options: ManifestOptions,
    number: number,
    rollDue: boolean,
  ) {
    this.number = number;
    this.rollDue = rollDue;
    this.rollBytes = options.rollBytes ?? DEFAULT_MANIFEST_ROLL_BYTES;
  }

  /** The live manifest's name. */
  get current(): string {
    return manifestName(this.number);
  }

  /**
   * The manifest CURRENT names, replayed; null when there is no CURRENT. A CURRENT that names no
   * manifest, or a manifest damaged before its last record, is a CorruptionError.
   */
  static load(options: ManifestOptions): { manifest: Manifest; state: ManifestState } | null {
    const { env, dir, kernels } = options;
    const currentPath = join(dir, CURRENT);
    if (env.size(currentPath) === null) return null;
    const { name, number } = parseCurrent(env.readFile(currentPath), currentPath);
    const path = join(dir, name);
    if (env.size(path) === null) throw new CorruptionError(path, 0, `CURRENT names ${name}, which is missing`);
    const contents = readManifest(kernels, env.readFile(path), path);
    const manifest = new Manifest(options, number, contents.tornTail !== null || contents.end > (options.rollBytes ?? DEFAULT_MANIFEST_ROLL_BYTES));
    if (!manifest.rollDue && options.readOnly !== true) {
      manifest.file = env.reopen(path, contents.end);
      manifest.size = contents.end;
      manifest.writer = new ManifestWriter(kernels, contents.end);
    }
    return { manifest, state: contents.state };
  }

  /**
   * Begins a store's first manifest (or a repaired one) holding `state`, numbered after every
   * manifest in the directory: MANIFEST-n written and synced, then CURRENT replaced. Throws,
   * leaving no new file behind, when it cannot.
   */
  static create(options: ManifestOptions, state: ManifestState): Manifest {
    const last = Math.max(0, ...options.env.list(options.dir).map((f) => manifestNumberOf(f) ?? 0));
    const manifest = new Manifest(options, last, true);
    manifest.roll(snapshotEdit(state));
    return manifest;
  }

  /**
   * Records an edit durably. `stateAfter` is the whole state with the edit applied, for when a new
   * manifest is begun. Throws ManifestWriteError when the edit is not recorded.
   */
  record(edit: VersionEdit, stateAfter: () => ManifestState): void {
    if (this.rollDue || this.file === null || this.size >= this.rollBytes) {
      this.roll(snapshotEdit(stateAfter()));
      return;
    }
    const bytes = this.writer!.frame(edit);
    try {
      this.file.append(bytes);
      if (this.options.durable) this.file.sync();
    } catch (err) {
      throw new ManifestWriteError(err as Error, !this.cutBack());
    }
    this.size += bytes.length;
  }

  close(): void {
    const file = this.file;
    this.file = null;
    try {
      file?.close();
    } catch {
      // every record it holds was synced when it was appended
    }
  }

  /** After a failed append: the file back at its last record, synced. False when that fails too. */
  private cutBack(): boolean {
    try {
      this.file!.truncate(this.size);
      if (this.options.durable) this.file!.sync();
      this.writer = new ManifestWriter(this.options.kernels, this.size);
      return true;
    } catch {
      this.rollDue = true;
      return false;
    }
  }

  /**
   * Writes MANIFEST-(n+1) holding `snapshot`, synced, then points CURRENT at it (written, synced,
   * renamed, directory synced); the old manifest is removed once CURRENT is durable. A failure
   * before CURRENT's rename leaves the old manifest live and certain; one after it (the
   * directory's fsync) is uncertain.
   */
  private roll(snapshot: VersionEdit): void {
    const { env, dir, kernels, durable } = this.options;
    const number = this.number + 1;
    const name = manifestName(number);
    const path = join(dir, name);
    const writer = new ManifestWriter(kernels, 0);
    const bytes = writer.frame(snapshot);
    let unsynced: Error | null;
    try {
      writeWholeFile(env, path, bytes, durable, false);
      unsynced = writeFileAtomic(env, dir, CURRENT, new TextEncoder().encode(`${name}\n`), durable);
    } catch (err) {
      removeQuietly(env, path);
      throw new ManifestWriteError(err as Error, false);
    }
    const old = this.number;
    this.close();
    this.number = number;
    this.size = bytes.length;
    this.writer = writer;
    try {
      this.file = env.reopen(path, bytes.length);
    } catch {
      this.file = null; // recorded all the same; the next edit begins another manifest
    }
    if (unsynced !== null) {
      // CURRENT may name either manifest after a crash: both are whole. Keep the old one, and
      // begin yet another manifest with the next edit.
      this.rollDue = true;
      throw new ManifestWriteError(unsynced, true);
    }
    this.rollDue = false;
    if (old > 0) removeQuietly(env, join(dir, manifestName(old)));
  }
}

/** What a store's manifest holds, for tools and tests: the state and every table with its name. */
export interface ManifestSummary {
  readonly current: string;
  readonly state: ManifestState;
  readonly logNumber: number;
  readonly tables: readonly { readonly name: string; readonly level: number; readonly number: number; readonly fileSize: number }[];
}

/** The manifest CURRENT names in dir, replayed (read only); null when there is no CURRENT. */
export function readStoreManifest(dir: string, env: Env = nodeEnv, kernels: Kernels = jsKernels): ManifestSummary | null {
  const loaded = Manifest.load({ env, dir, kernels, durable: false, rollBytes: Infinity, readOnly: true });
  if (loaded === null) return null;
  const { manifest, state } = loaded;
  const tables = state.levels.flatMap((ts, level) => ts.map((t) => ({ name: `L${level}_${String(t.number).padStart(3, "0")}.sst`, level, number: t.number, fileSize: t.fileSize })));
  return { current: manifest.current, state, logNumber: state.logNumber, tables: tables.sort((a, b) => a.number - b.number) };
}
