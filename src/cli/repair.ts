// `wasm-lsm repair DIR [--kernels wasm|js] [--bits-per-key N]`: rebuilds the MANIFEST of a store
// directory from the tables and logs in it (src/lsm/repair.ts does the work; README.md "Repair").
// One line per file on stdout as it is handled, then a summary line.
//
// Exit codes:
//   0  the manifest was rebuilt (even if some files went to DIR/lost/)
//   1  it could not be: DIR is not a store directory, a live node holds its lock, or an I/O error
//      (the message, one line on stderr)
//   2  bad usage

import { parseArgs } from "node:util";
import { DEFAULT_BITS_PER_KEY } from "../kernels/bloom-layout.js";
import { LockedError } from "../lsm/lock.js";
import { repairStore, RepairError } from "../lsm/repair.js";
import { MAX_BITS_PER_KEY, UsageError } from "../node/options.js";
import { BITS_PER_KEY_HELP, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, intFlag, isSystemError, KERNELS_HELP, kernelsFlag } from "./sst-common.js";

export const REPAIR_SYNOPSIS = "wasm-lsm repair DIR [--kernels wasm|js] [--bits-per-key N]";

const HELP = `Usage: ${REPAIR_SYNOPSIS}

Rebuilds DIR's MANIFEST from the tables and write-ahead logs in it (after the MANIFEST was lost or
damaged; the node refuses to start such a directory). Every table that passes its checks is kept;
every log is written as a level-0 table. What cannot be read, the converted logs and the old
MANIFEST are moved to DIR/lost/, never deleted. Stop the node on DIR first: repair takes its lock.
Prints one line per file and a summary; exits 0 when it rebuilt the manifest, 1 when it could not,
2 for bad usage.

Options:
${KERNELS_HELP}
${BITS_PER_KEY_HELP} (tables made from logs)
  -h, --help            print this help and exit
`;

/** Runs `wasm-lsm repair ARGS`; resolves to the exit code. */
export async function runRepair(args: readonly string[]): Promise<number> {
  let dir: string;
  let options;
  try {
    const parsed = parseArgs({ args: [...args], strict: true, allowPositionals: true, options: { kernels: { type: "string" }, "bits-per-key": { type: "string" }, help: { type: "boolean", short: "h" } } });
    if (parsed.values.help === true) return help();
    if (parsed.positionals.length !== 1) throw new UsageError(parsed.positionals.length === 0 ? "missing DIR" : `unexpected argument ${JSON.stringify(parsed.positionals[1])}`);
    dir = parsed.positionals[0];
    options = { kernels: kernelsFlag(parsed.values), bitsPerKey: intFlag(parsed.values, "bits-per-key", 1, MAX_BITS_PER_KEY, DEFAULT_BITS_PER_KEY) };
  } catch (err) {
    process.stderr.write(`wasm-lsm repair: ${(err as Error).message}\nRun "wasm-lsm repair --help" for usage.\n`);
    return EXIT_USAGE;
  }
  try {
    const result = repairStore({ ...options, dir, report: (line) => process.stdout.write(`${line}\n`) });
    process.stdout.write(`${result.summary}\n`);
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof RepairError || err instanceof LockedError || isSystemError(err))) throw err;
    process.stderr.write(`wasm-lsm repair: ${err.message}\n`);
    return EXIT_FAILURE;
  }
}

function help(): number {
  process.stdout.write(HELP);
  return EXIT_OK;
}
