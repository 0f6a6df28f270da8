// `wasm-lsm db get | scan | dump`: the store's live entries (the newest version of each key, not
// deleted), read through Store.get and Store.iterator as the node reads them: MemTable, level 0,
// deeper levels, the logs replayed. On a LevelDB directory, the same lines from LevelDB's files,
// read only (db-leveldb.ts).
//
//   get   {"found": true, "value": V}, or {"found": false, "value": null}: exit 0 either way, as
//         `sst get` (a missing key is an answer, not a failure; exit 1 means something is wrong)
//   scan  {"key": K, "value": V} per entry in [--from, --to), ascending or --reverse, --limit N
//   dump  the same lines for every entry, ascending; `sst write` takes them as its input
//
// K and V as db-bytes.ts says (--hex).

import { bytesOperand, bytesOut, encodingOf, entryLine, type Encoding } from "./db-bytes.js";
import { holdsLevelDb, withEntrySource, withLevelDb, type EntrySource } from "./db-leveldb.js";
import { withStore } from "./db-store.js";
import { KEY_FLAGS, KEY_FLAGS_HELP, PROGRESS_FLAG, PROGRESS_HELP, storeLog } from "./db-flags.js";
import { progressBar, type ProgressBar } from "./progress.js";
import { ScanProgress } from "./scan-progress.js";
import { intFlag, type Flags, type SstCommand as DbCommand } from "./sst-common.js";
import type { Output } from "./sst-output.js";

/** Entries between progress reports. */
const REPORT_EVERY = 1024;

export const get: DbCommand = {
  synopsis: "get DIR KEY [--hex]",
  help: `Prints the value of KEY as one JSON line on stdout:
  {"found": true, "value": V}      or      {"found": false, "value": null}
and exits 0 either way (a deleted key is not found).

Options:
${KEY_FLAGS_HELP}`,
  operands: ["DIR", "KEY"],
  flags: KEY_FLAGS,
  run: runGet,
};

export const scan: DbCommand = {
  synopsis: "scan DIR [--from K] [--to K] [--limit N] [--reverse] [--hex]",
  help: `Prints the live entries with --from <= key < --to (each bound optional) as JSON lines
{"key": K, "value": V} on stdout, in ascending key order (descending with --reverse), at most
--limit N of them.

Options:
  --from K              the first key (inclusive; default: the first in the store)
  --to K                the end (exclusive, as ldb's scan; default: past the last key)
  --limit N             print at most N entries
  --reverse             from the last key down
${KEY_FLAGS_HELP}`,
  operands: ["DIR"],
  flags: { ...KEY_FLAGS, from: { type: "string" }, to: { type: "string" }, limit: { type: "string" }, reverse: { type: "boolean" } },
  run: runScan,
};

export const dump: DbCommand = {
  synopsis: "dump DIR [--hex] [--progress]",
  help: `Prints every live entry as a JSON line {"key": K, "value": V} on stdout, in key order.
Without --hex the lines are \`wasm-lsm sst write\`'s input: db dump DIR | sst write OUT.sst.

Options:
${PROGRESS_HELP}
                        (and stdout is not)
${KEY_FLAGS_HELP}`,
  operands: ["DIR"],
  flags: { ...KEY_FLAGS, ...PROGRESS_FLAG },
  run: runDump,
};

async function runGet([dir, keyText]: readonly string[], flags: Flags, out: Output): Promise<void> {
  const encoding = encodingOf(flags.hex);
  const key = bytesOperand(keyText, encoding, "KEY");
  const value = holdsLevelDb(dir) ? await withLevelDb(dir, flags, async (db) => db.get(key).value) : await withStore(dir, flags, { log: storeLog(flags, "get") }, async (store) => store.get(key));
  out.push(value === null ? '{"found": false, "value": null}\n' : `{"found": true, "value": ${bytesOut(value, encoding)}}\n`);
}

async function runScan([dir]: readonly string[], flags: Flags, out: Output): Promise<void> {
  const encoding = encodingOf(flags.hex);
  const range: ScanRange = {
    gte: typeof flags.from === "string" ? bytesOperand(flags.from, encoding, "--from") : undefined,
    lt: typeof flags.to === "string" ? bytesOperand(flags.to, encoding, "--to") : undefined,
    reverse: flags.reverse === true,
    limit: intFlag(flags, "limit", 0, Number.MAX_SAFE_INTEGER, Infinity),
  };
  await withEntrySource(dir, flags, { log: storeLog(flags, "scan") }, (source) => printEntries(source, range, encoding, out, null));
}

async function runDump([dir]: readonly string[], flags: Flags, out: Output): Promise<void> {
  const encoding = encodingOf(flags.hex);
  await withEntrySource(dir, flags, { log: storeLog(flags, "dump") }, async (source) => {
    // not when stdout is a terminal too: the entries would be written over the bar, and show the progress themselves
    const bar = progressBar(flags.progress === true && process.stdout.isTTY !== true, "dump");
    try {
      await printEntries(source, { reverse: false, limit: Infinity }, encoding, out, bar);
    } finally {
      bar?.done();
    }
  });
}

export interface ScanRange {
  readonly gte?: Uint8Array;
  readonly lt?: Uint8Array;
  readonly reverse: boolean;
  readonly limit: number;
}

async function printEntries(source: EntrySource, range: ScanRange, encoding: Encoding, out: Output, bar: ProgressBar | null): Promise<void> {
  await walkEntries(source, range, bar, (key, value) => out.push(entryLine(key, value, encoding)), () => out.flush());
}

/**
 * Visits the live entries of `range` in order; the views passed are valid only during the call.
 * `visit` returns true when the caller needs `drain` awaited before the next (Output's
 * backpressure). `bar` (forward scans only) is told how far the scan is. Returns the count.
 */
export async function walkEntries(
  source: EntrySource,
  range: ScanRange,
  bar: ProgressBar | null,
  visit: (key: Uint8Array, value: Uint8Array) => boolean,
  drain: () => Promise<void>,
): Promise<number> {
  const progress = bar === null ? null : new ScanProgress(source.tables());
  const it = source.iterator({ gte: range.gte, lt: range.lt });
  let n = 0;
  try {
    for (let e = range.reverse ? it.last() : it.first(); e !== null && n < range.limit; e = range.reverse ? it.prev() : it.next()) {
      n++;
      if (progress !== null && n % REPORT_EVERY === 0) bar?.update(progress.at(e.key), `${n} entries`);
      if (visit(e.key, e.value)) await drain();
    }
  } finally {
    it.close();
  }
  return n;
}
