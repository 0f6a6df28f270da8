#!/usr/bin/env node
// The wasm-lsm command (package.json "bin"; `npm start` runs it too).
//
//   wasm-lsm [serve] [--data-dir DIR] [--memtable-bytes N] [--bits-per-key N] [--kernels wasm|js]
//   wasm-lsm sst write|dump|check|layout|get ...   (src/cli/sst.ts, with its own exit codes)
//   wasm-lsm --help
//
// With no command, or with flags only, it serves: the stdio protocol node (PROTOCOL.md) on stdin
// and stdout, logs on stderr. Commands live in COMMANDS.
//
// Exit codes:
//   0  end of input reached and every reply written; or --help
//   1  a runtime failure: the store cannot be opened (locked by a live node, corrupt), the output
//      went away (EPIPE), the input failed, an internal error
//   2  bad usage: unknown command or flag, a flag value out of range (message and hint on stderr)

import { SERVE_FLAGS_USAGE, UsageError, parseServeArgs } from "./node/options.js";
import { serveStore } from "./node/serve.js";
import { runSst, SST_SYNOPSES } from "./cli/sst.js";
import { REPAIR_SYNOPSIS, runRepair } from "./cli/repair.js";

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

const USAGE = `Usage: wasm-lsm [serve] [options]
       ${SST_SYNOPSES.join("\n       ")}
       ${REPAIR_SYNOPSIS}
       wasm-lsm --help

An LSM storage node speaking the Maelstrom-style JSON protocol: one request per line on stdin,
one reply per line on stdout, logs on stderr. It exits 0 at the end of input.

Options of serve:
${SERVE_FLAGS_USAGE}
  -h, --help            print this help and exit

The sst commands read and write table files; "wasm-lsm sst --help" tells more.
"wasm-lsm repair DIR" rebuilds a store directory's MANIFEST; "wasm-lsm repair --help" tells more.
`;

type Command = (args: readonly string[]) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  serve,
  sst: runSst,
  repair: runRepair,
  help: async () => printHelp(),
};

async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith("-")) return serve(argv);
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (command !== undefined) return command(rest);
  process.stderr.write(`wasm-lsm: unknown command ${JSON.stringify(first)}\n\n${USAGE}`);
  return EXIT_USAGE;
}

async function serve(args: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseServeArgs(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`wasm-lsm: ${err.message}\nRun "wasm-lsm --help" for usage.\n`);
    return EXIT_USAGE;
  }
  if (options === "help") return printHelp();
  return serveStore(options, { input: process.stdin, output: process.stdout, log });
}

function printHelp(): number {
  process.stdout.write(USAGE);
  return EXIT_OK;
}

function log(line: string): void {
  process.stderr.write(`wasm-lsm: ${line}\n`);
}

// exitCode, not process.exit(): the process ends once stdout has drained.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    log(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = EXIT_FAILURE;
  },
);
