// `wasm-lsm sst ...`: write, dump, check, draw and query .sst files (README.md, "The `sst`
// command"; the file format is FORMAT.md).
//
//   wasm-lsm sst write OUT.sst [--kernels wasm|js] [--bits-per-key N] [--progress]   (sst-write.ts)
//   wasm-lsm sst dump FILE [--kernels wasm|js]                                        (sst-read.ts)
//   wasm-lsm sst check FILE [--kernels wasm|js]                                       (sst-check.ts)
//   wasm-lsm sst layout FILE [--entries N] [--kernels wasm|js]                        (sst-read.ts)
//   wasm-lsm sst get FILE KEY [--hex] [--kernels wasm|js]                             (sst-read.ts)
//   wasm-lsm sst [COMMAND] --help
//   (--kernels may also come before `sst`: src/cli/global-flags.ts)
//
// Results go to stdout (nothing for write), messages to stderr, each prefixed "wasm-lsm sst CMD: ".
//
// Exit codes:
//   0  success; also get of an absent key, --help, and a command whose stdout reader went away
//      (EPIPE, as in `sst dump FILE | head`)
//   1  the file is corrupt or unreadable (the CorruptionError message: file, offset, failed check;
//      or the fs error, e.g. ENOENT), or write could not write OUT, or a line of write's input is
//      bad data ("line N: ...": not JSON, no key or value, empty key, bad hex)
//   2  bad usage: unknown command or option, a missing or extra operand, an option value out of
//      range, get --hex with a KEY that is not hex

import { runCommandGroup } from "./command-group.js";
import { check } from "./sst-check.js";
import { failureMessage, type SstCommand } from "./sst-common.js";
import { dump, get, layout } from "./sst-read.js";
import { write } from "./sst-write.js";

const COMMANDS: Readonly<Record<string, SstCommand>> = { write, dump, check, layout, get };

const EXIT_CODES = `Exit codes:
  0  success (get: found or not; also when the reader of stdout goes away, as with | head)
  1  the file is corrupt or unreadable (the message names file, offset and failed check), OUT
     could not be written, or a line of write's input is bad ("line N: ...")
  2  bad usage`;

/** The usage lines of every sst command, for the bin's own --help. */
export const SST_SYNOPSES = Object.values(COMMANDS).map((c) => `wasm-lsm sst ${c.synopsis}`);

export const SST_USAGE = `Usage: ${SST_SYNOPSES.join("\n       ")}
       wasm-lsm sst COMMAND --help

Commands on LevelDB table-format files (ours, LevelDB's, RocksDB's):
  write   JSON lines on stdin -> a table RocksDB's \`ldb ingest_extern_sst\` accepts
  dump    every entry as a JSON line
  check   verify checksums, key order, lookups and Bloom filter, property counts
  layout  every block and entry as annotated byte ranges
  get     look one key up: found, value, Bloom filter, disk reads

Keys and values in JSON are strings when their bytes are UTF-8, else {"hex": "..."}.

${EXIT_CODES}
`;

/**
 * Runs `wasm-lsm sst ARGS`; resolves to the exit code. `globals` are the bin's global flags given
 * before `sst` (src/cli/global-flags.ts): they go ahead of the command's own arguments.
 */
export function runSst(args: readonly string[], globals: readonly string[] = []): Promise<number> {
  return runCommandGroup({ name: "sst", commands: COMMANDS, usage: SST_USAGE, exitCodes: EXIT_CODES, failureMessage }, args, globals);
}
