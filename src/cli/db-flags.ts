// The flags the `wasm-lsm db` commands share (src/cli/db.ts), and their help lines.

import { KERNELS_FLAG, KERNELS_HELP, type Flags } from "./sst-common.js";

/** Every command that opens the store. */
export const STORE_FLAGS = { ...KERNELS_FLAG, verbose: { type: "boolean" } } as const;
/** Commands that take or print keys. */
export const KEY_FLAGS = { ...STORE_FLAGS, hex: { type: "boolean" } } as const;
export const PROGRESS_FLAG = { progress: { type: "boolean" } } as const;

export const STORE_FLAGS_HELP = `  --verbose             print what opening the store did (recovery's log) on stderr
${KERNELS_HELP}`;
export const KEY_FLAGS_HELP = `  --hex                 keys and values are given and printed as hex digits (default:
                        UTF-8; bytes that are not UTF-8 print as {"hex": "..."})
${STORE_FLAGS_HELP}`;
export const PROGRESS_HELP = "  --progress            a progress bar on stderr, when stderr is a terminal";

/** Where the store's log lines go for command `name`: stderr with --verbose, else nowhere. */
export function storeLog(flags: Flags, name: string): ((line: string) => void) | null {
  return flags.verbose === true ? (line) => process.stderr.write(`wasm-lsm db ${name}: ${line}\n`) : null;
}
