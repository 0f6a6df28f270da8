#!/usr/bin/env node
// The wasm-lsm command (package.json "bin"; `npm start` runs it too).
//
//   wasm-lsm [--kernels wasm|js] [serve] [serve options]
//   wasm-lsm [--kernels wasm|js] sst write|dump|check|layout|get ...   (src/cli/sst.ts, own exit codes)
//   wasm-lsm [--kernels wasm|js] db get|put|delete|scan|dump|stats|compact|check DIR ...   (src/cli/db.ts)
//   wasm-lsm --help | --version
//
// With no command, or with flags only, it serves: the stdio protocol node (PROTOCOL.md) on stdin
// and stdout, logs on stderr. Commands live in COMMANDS; the flags allowed before a command are in
// src/cli/global-flags.ts.
//
// Exit codes of serve (README.md, "Exit codes"):
//   0    end of input reached and every reply written; or --help, --version
//   1    the store cannot be opened (one line: the file and the problem), the reader of stdout went
//        away (EPIPE: the node stops reading and closes the store), the input failed, or an
//        internal error (its stack, once)
//   2    bad usage: unknown command or flag, a flag value out of range (message and hint on stderr)
//   128+N  signal N (SIGHUP 129, SIGINT 130, SIGQUIT 131, SIGTERM 143): the store was closed

// The sst, db and repair commands are imported when they run (and for the usage text): serving loads
// only what the node needs, so that it starts under a low `ulimit -n` (Node's loader opens a
// module graph's files concurrently).

import { GLOBAL_FLAGS_USAGE, packageVersion, splitGlobalFlags } from "./cli/global-flags.js";
import { SERVE_FLAGS_USAGE, UsageError, parseServeArgs } from "./node/options.js";
import { serveStore } from "./node/serve.js";

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

const usage = async () => {
  const [{ SST_SYNOPSES }, { DB_SYNOPSES }, { REPAIR_SYNOPSIS }] = await Promise.all([import("./cli/sst.js"), import("./cli/db.js"), import("./cli/repair.js")]);
  return `Usage: wasm-lsm [--kernels wasm|js] [serve] [options]
       ${SST_SYNOPSES.join("\n       ")}
       ${DB_SYNOPSES.join("\n       ")}
       ${REPAIR_SYNOPSIS}
       wasm-lsm --help | --version

An LSM storage node speaking the Maelstrom-style JSON protocol: one request per line on stdin,
one reply per line on stdout, logs on stderr. It exits 0 at the end of input.

Messages (PROTOCOL.md, in the package, gives every field, reply and error):
  init            node_id, node_ids             -> init_ok
  sstable_flush   memtable_size_bytes?          -> sstable_flush_ok: sstable_file, entries,
                                                   bloom_filter_bits, size_bytes
  sstable_lookup  sstable, key                  -> sstable_lookup_ok: found, value,
                                                   bloom_checked, disk_reads
  memtable_put    key, value                    -> memtable_put_ok
  memtable_get    key                           -> memtable_get_ok: value, source
  memtable_scan   start, end                    -> memtable_scan_ok: entries
  memtable_delete key                           -> memtable_delete_ok
  lsm_read        key                           -> lsm_read_ok: value, found_at, levels_checked
  lsm_level_info                                -> lsm_level_info_ok: levels
  lsm_compact     source_level, target_level    -> lsm_compact_ok: sstables_merged, new_sstables,
                                                   keys_deduplicated, bytes_read, bytes_written,
                                                   write_amplification
  lsm_compact_status                            -> lsm_compact_status_ok: pending_compactions,
                                                   total_compactions, total_bytes_compacted
  lsm_scan        start, end, limit?            -> lsm_scan_ok: entries
  Failures are {"type": "error", "code", "text"}: 10 unknown type, 11 try again (nothing was
  changed), 12 malformed request, 13 internal error, 20 no such table, 1000 corruption.

Global options (every command takes them, before or after it: wasm-lsm --kernels js sst check F):
${GLOBAL_FLAGS_USAGE}

Options of serve:
${SERVE_FLAGS_USAGE}

Exit codes of serve: 0 end of input, every reply written; 1 the store cannot be opened, stdout's
reader went away (the store is closed first), or an internal error; 2 bad usage; 128+N signal N
(HUP, INT, QUIT, TERM close the store first).

The sst commands read and write table files; "wasm-lsm sst --help" tells more.
The db commands read, write, compact and check a store's directory; "wasm-lsm db --help" tells more.
"wasm-lsm repair DIR" rebuilds a store directory's manifest; "wasm-lsm repair --help" tells more.
`;
};

type Command = (args: readonly string[], globals: readonly string[]) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  serve: (args, globals) => serve([...globals, ...args]),
  sst: async (args, globals) => (await import("./cli/sst.js")).runSst(args, globals),
  db: async (args, globals) => (await import("./cli/db.js")).runDb(args, globals),
  repair: async (args, globals) => (await import("./cli/repair.js")).runRepair([...globals, ...args]),
  help: () => printHelp(),
};

async function main(argv: readonly string[]): Promise<number> {
  const globals = splitGlobalFlags(argv);
  if (globals.help) return printHelp();
  if (globals.version) return printVersion();
  const [first, ...rest] = globals.rest;
  if (first === undefined || first.startsWith("-")) return serve([...globals.forward, ...globals.rest]);
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (command !== undefined) return command(rest, globals.forward);
  process.stderr.write(`wasm-lsm: unknown command ${JSON.stringify(first)}\n\n${await usage()}`);
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
  if (options === "version") return printVersion();
  return serveStore(options, { input: process.stdin, output: process.stdout, log });
}

async function printHelp(): Promise<number> {
  process.stdout.write(await usage());
  return EXIT_OK;
}

function printVersion(): number {
  process.stdout.write(`${packageVersion()}\n`);
  return EXIT_OK;
}

function log(line: string): void {
  process.stderr.write(`wasm-lsm: ${line}\n`);
}

// Logs are best effort: a closed stderr (a terminal gone with SIGHUP) must not crash the node.
process.stderr.on("error", () => {});

// exitCode, not process.exit(): the process ends once stdout has drained. Only a bug gets here
// with a stack; serve.ts has already closed the store.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    log(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = EXIT_FAILURE;
  },
);
