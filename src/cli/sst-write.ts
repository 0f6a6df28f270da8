// `wasm-lsm sst write OUT.sst`: JSON lines from stdin to a table RocksDB can ingest.
//
// Input: one `{"key": K, "value": V}` per line, in any order (sst-input.ts, which the web page's
// table builder shares, so both make the same bytes). The whole input is held in memory until it
// is sorted.
//
// Output: an SstFileWriter-style table (sst-input.ts's writeExternalTable), written as OUT.tmp,
// fsynced (TableBuilder.finish), renamed to OUT, and the directory fsynced, so a crash leaves no
// OUT or a complete one. On any error OUT.tmp is removed.

import { isUtf8 } from "node:buffer";
import { accessSync, closeSync, constants, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { DEFAULT_BITS_PER_KEY } from "../kernels/bloom-layout.js";
import type { Kernels } from "../kernels/types.js";
import { NodeWritableFile } from "../io/node-file.js";
import { readLines } from "../node/lines.js";
import { MAX_BITS_PER_KEY } from "../node/options.js";
import type { TableSummary } from "../sstable/writer.js";
import {
  BITS_PER_KEY_HELP, count, InputError, intFlag, KERNELS_FLAG, KERNELS_HELP, kernelsFlag, type Flags, type SstCommand,
} from "./sst-common.js";
import { entryFromText, InputEntries, writeExternalTable, type InputEntry } from "./sst-input.js";

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
  readonly entries: InputEntries;
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
  const keyBytes = input.entries.keyBytes();
  const valueBytes = summary.stats.rawValueSize;
  const counts = `${count(summary.entries, "entry", "entries")} from ${count(input.lines, "line", "lines")}, ${count(keyBytes, "key byte", "key bytes")}, ${count(valueBytes, "value byte", "value bytes")}`;
  note(`wrote ${out}: ${counts}, ${count(summary.dataBlocks, "data block", "data blocks")}, file ${count(summary.fileSize, "byte", "bytes")}`);
}

async function readEntries(stdin: Readable, note: WriteOptions["note"]): Promise<Input> {
  const entries = new InputEntries();
  let lines = 0;
  for await (const line of readLines(stdin, { maxBytes: MAX_LINE_BYTES, headBytes: 0 })) {
    lines = line.number;
    if (note !== null && lines % PROGRESS_EVERY === 0) note(`${lines} lines read`);
    if (line.kind === "overlong") throw new InputError(`line ${lines}: ${line.length} bytes, more than the limit of ${MAX_LINE_BYTES}`);
    const entry = parseLine(line.bytes, lines);
    if (entry === null) continue;
    if (entries.size >= MAX_KEYS && !entries.has(entry.key)) {
      throw new InputError(`line ${lines}: more than ${MAX_KEYS} distinct keys; split the input into several tables`);
    }
    entries.set(entry.key, entry.value);
  }
  return { entries, lines };
}

/** The entry on one input line, or null for a blank line; throws InputError naming the line. */
export function parseLine(bytes: Buffer, number: number): InputEntry | null {
  try {
    if (!isUtf8(bytes)) throw new Error("not UTF-8 text");
    return entryFromText(bytes.toString("utf8"));
  } catch (err) {
    throw new InputError(`line ${number}: ${(err as Error).message}`);
  }
}

/** Writes the entries, sorted, as OUT via OUT.tmp; removes OUT.tmp on any error. */
function writeTable(out: string, entries: InputEntries, options: WriteOptions): TableSummary {
  const tmp = `${out}.tmp`;
  const file = new NodeWritableFile(tmp);
  try {
    const onEntry = (added: number) => {
      if (options.note !== null && added % PROGRESS_EVERY === 0) options.note(`${added} of ${entries.size} entries written`);
    };
    const summary = writeExternalTable(file, entries, { kernels: options.kernels, bitsPerKey: options.bitsPerKey, onEntry });
    renameSync(tmp, out);
    syncDirectory(dirname(out));
    return summary;
  } catch (err) {
    discard(file, tmp);
    throw err;
  }
}

/** Closes and removes a table that failed. The first error is the one to report: later ones are dropped. */
function discard(file: NodeWritableFile, tmp: string): void {
  try {
    file.close(); // writeExternalTable abandoned its builder, which closes the file; this is for the rest
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
