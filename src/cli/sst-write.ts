// `wasm-lsm sst write OUT.sst`: JSON lines from stdin to a table RocksDB can ingest.
//
// Input: one `{"key": K, "value": V}` per line, in any order; K and V are strings (UTF-8) or
// {"hex": "..."} (sst-json.ts). Blank lines are skipped; other fields are ignored, except that
// "kind", when present, must be "value" (so `sst dump | sst write` refuses a table with deletions
// rather than turn them into values). The last value of a key wins; keys are sorted by their bytes.
// The whole input is held in memory until it is sorted.
//
// Output: an SstFileWriter-style table (every key at sequence 0, kind value; TableBuilder's
// externalFile), written as OUT.tmp, fsynced (TableBuilder.finish), renamed to OUT, and the
// directory fsynced, so a crash leaves no OUT or a complete one. On any error OUT.tmp is removed.

import { isUtf8 } from "node:buffer";
import { accessSync, closeSync, constants, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { DEFAULT_BITS_PER_KEY } from "../kernels/bloom-layout.js";
import type { Kernels } from "../kernels/types.js";
import { NodeWritableFile } from "../io/node-file.js";
import { readLines } from "../node/lines.js";
import { MAX_BITS_PER_KEY } from "../node/options.js";
import { internalKey, ValueKind } from "../sstable/format.js";
import { TableBuilder, type TableSummary } from "../sstable/writer.js";
import {
  BITS_PER_KEY_HELP, count, InputError, intFlag, KERNELS_FLAG, KERNELS_HELP, kernelsFlag, type Flags, type SstCommand,
} from "./sst-common.js";
import { bytesFromJson } from "./sst-json.js";

const MAX_LINE_BYTES = 64 * 1024 * 1024;
const PROGRESS_EVERY = 100_000;
// V8's limit on a Map's size.
const MAX_KEYS = 2 ** 24;

export const write: SstCommand = {
  synopsis: "write OUT.sst [--kernels wasm|js] [--bits-per-key N] [--progress]",
  help: `Reads {"key": K, "value": V} JSON lines from stdin, in any order, and writes them as a table
that RocksDB's \`ldb ingest_extern_sst\` accepts: keys sorted by their bytes, the last value of a
key wins, every key at sequence 0. K and V are strings (UTF-8) or {"hex": "..."}; keys are 1 byte
or more. Writes OUT.sst.tmp, then renames it; nothing on stdout, a summary line on stderr.

Options:
${KERNELS_HELP}
${BITS_PER_KEY_HELP}
  --progress            report progress on stderr every ${PROGRESS_EVERY} lines (default: only
                        when stderr is a terminal)`,
  operands: ["OUT.sst"],
  flags: { ...KERNELS_FLAG, "bits-per-key": { type: "string" }, progress: { type: "boolean" } },
  run: runWrite,
};

interface Input {
  /** Key bytes as a latin1 string (one char per byte, so string order is byte order) -> value. */
  readonly entries: Map<string, Uint8Array>;
  readonly lines: number;
}

interface WriteOptions {
  readonly kernels: Kernels;
  readonly bitsPerKey: number;
  readonly note: ((line: string) => void) | null;
}

async function runWrite([out]: readonly string[], flags: Flags): Promise<void> {
  const kernels = kernelsFlag(flags);
  const bitsPerKey = intFlag(flags, "bits-per-key", 1, MAX_BITS_PER_KEY, DEFAULT_BITS_PER_KEY);
  const note = (line: string) => process.stderr.write(`wasm-lsm sst write: ${line}\n`);
  const progress = flags.progress === true || process.stderr.isTTY === true ? note : null;
  accessSync(dirname(out), constants.W_OK); // fail before reading stdin, not after
  if (process.stdin.isTTY === true) note("reading JSON lines from the terminal; end them with Ctrl-D");
  const input = await readEntries(process.stdin, progress);
  if (input.entries.size === 0) throw new InputError(`no entries on stdin (${input.lines} lines): a table needs one or more, as RocksDB's SstFileWriter does`);
  const summary = writeTable(out, input.entries, { kernels, bitsPerKey, note: progress });
  let keyBytes = 0;
  for (const k of input.entries.keys()) keyBytes += k.length;
  const valueBytes = summary.stats.rawValueSize;
  const counts = `${count(summary.entries, "entry", "entries")} from ${count(input.lines, "line", "lines")}, ${count(keyBytes, "key byte", "key bytes")}, ${count(valueBytes, "value byte", "value bytes")}`;
  note(`wrote ${out}: ${counts}, ${count(summary.dataBlocks, "data block", "data blocks")}, file ${count(summary.fileSize, "byte", "bytes")}`);
}

async function readEntries(stdin: Readable, note: WriteOptions["note"]): Promise<Input> {
  const entries = new Map<string, Uint8Array>();
  let lines = 0;
  for await (const line of readLines(stdin, { maxBytes: MAX_LINE_BYTES, headBytes: 0 })) {
    lines = line.number;
    if (note !== null && lines % PROGRESS_EVERY === 0) note(`${lines} lines read`);
    if (line.kind === "overlong") throw new InputError(`line ${lines}: ${line.length} bytes, more than the limit of ${MAX_LINE_BYTES}`);
    const entry = parseLine(line.bytes, lines);
    if (entry === null) continue;
    const key = entry.key.toString("latin1");
    if (entries.size >= MAX_KEYS && !entries.has(key)) {
      throw new InputError(`line ${lines}: more than ${MAX_KEYS} distinct keys; split the input into several tables`);
    }
    entries.set(key, entry.value);
  }
  return { entries, lines };
}

/** The entry on one input line, or null for a blank line; throws InputError naming the line. */
export function parseLine(bytes: Buffer, number: number): { key: Buffer; value: Buffer } | null {
  try {
    if (!isUtf8(bytes)) throw new Error("not UTF-8 text");
    const text = bytes.toString("utf8");
    if (text.trim() === "") return null;
    return entryOf(parseJson(text));
  } catch (err) {
    throw new InputError(`line ${number}: ${(err as Error).message}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`);
  }
}

function entryOf(v: unknown): { key: Buffer; value: Buffer } {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error('not a JSON object {"key": ..., "value": ...}');
  const o = v as Record<string, unknown>;
  if (o.kind !== undefined && o.kind !== "value") throw new Error(`"kind" ${JSON.stringify(o.kind)}: sst write writes values only`);
  const key = bytesFromJson(o.key, "key");
  if (key.length === 0) throw new Error("empty key (keys are 1 byte or more)");
  return { key, value: bytesFromJson(o.value, "value") };
}

/** Writes the entries, sorted, as OUT via OUT.tmp; removes OUT.tmp on any error. */
function writeTable(out: string, entries: Map<string, Uint8Array>, options: WriteOptions): TableSummary {
  const tmp = `${out}.tmp`;
  const keys = [...entries.keys()].sort(); // code-unit order of latin1 strings is byte order
  const file = new NodeWritableFile(tmp);
  let builder: TableBuilder | null = null;
  try {
    const b = (builder = new TableBuilder(file, { kernels: options.kernels, bitsPerKey: options.bitsPerKey, externalFile: true }));
    keys.forEach((k, i) => {
      b.add(internalKey(Buffer.from(k, "latin1"), 0, ValueKind.VALUE), entries.get(k)!);
      if (options.note !== null && (i + 1) % PROGRESS_EVERY === 0) options.note(`${i + 1} of ${keys.length} entries written`);
    });
    const summary = b.finish();
    renameSync(tmp, out);
    syncDirectory(dirname(out));
    return summary;
  } catch (err) {
    discard(builder, file, tmp);
    throw err;
  }
}

/** Closes and removes a table that failed. The first error is the one to report: later ones are dropped. */
function discard(builder: TableBuilder | null, file: NodeWritableFile, tmp: string): void {
  try {
    if (builder !== null) builder.abandon();
    else file.close();
  } catch {
    // a failed close of a file we delete next
  }
  try {
    rmSync(tmp, { force: true });
  } catch {
    // left behind; the next write to the same OUT truncates it
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
