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

import { UsageError } from "../node/options.js";
import { check } from "./sst-check.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, failureMessage, parseCommandArgs, type SstCommand } from "./sst-common.js";
import { Output, OutputClosed } from "./sst-output.js";
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
export async function runSst(args: readonly string[], globals: readonly string[] = []): Promise<number> {
  const [name, ...rest] = args;
  if (name === "--help" || name === "-h" || name === "help") return help(SST_USAGE);
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command !== undefined) return runCommand(name!, command, [...globals, ...rest]);
  const problem = name === undefined ? "missing command" : `unknown command ${JSON.stringify(name)}`;
  process.stderr.write(`wasm-lsm sst: ${problem}\n\n${SST_USAGE}`);
  return EXIT_USAGE;
}

async function runCommand(name: string, command: SstCommand, args: readonly string[]): Promise<number> {
  const prefix = `wasm-lsm sst ${name}`;
  const out = new Output(process.stdout);
  let operands: readonly string[] = [];
  try {
    const parsed = parseCommandArgs(command, args);
    if (parsed === "help") return help(`Usage: wasm-lsm sst ${command.synopsis}\n\n${command.help}\n\n${EXIT_CODES}\n`);
    operands = parsed.operands;
    await command.run(operands, parsed.flags, out);
    await out.end();
    return EXIT_OK;
  } catch (err) {
    if (err instanceof OutputClosed) return EXIT_OK;
    if (err instanceof UsageError) {
      process.stderr.write(`${prefix}: ${err.message}\nRun "wasm-lsm sst ${name} --help" for usage.\n`);
      return EXIT_USAGE;
    }
    const message = failureMessage(err, operands[0]);
    if (message === null) throw err;
    await out.end().catch(() => {}); // what came before the failure (dump: the entries before a bad block)
    process.stderr.write(`${prefix}: ${message}\n`);
    return EXIT_FAILURE;
  }
}

function help(text: string): number {
  process.stdout.write(text);
  return EXIT_OK;
}
