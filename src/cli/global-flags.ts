// The bin's global flags: the ones that may come before the command (README.md, "The command
// line"). `--kernels` is global because every command takes it (serve and each sst command);
// `--help` and `--version` are answered by the bin itself. Every other flag belongs to one command
// and goes after it (a serve flag before no command is still serve's, as `wasm-lsm --data-dir D`).
//
//   wasm-lsm --kernels js sst write OUT.sst   ==   wasm-lsm sst write OUT.sst --kernels js
//
// A global flag is handed to the command ahead of the command's own arguments, so a flag repeated
// after the command wins (node:util parseArgs keeps the last value).

import { createRequire } from "node:module";

export interface GlobalFlags {
  /** The global flags to hand on to the command, as given (`--kernels js` or `--kernels=js`). */
  readonly forward: readonly string[];
  readonly help: boolean;
  readonly version: boolean;
  /** The command and its arguments: what follows the global flags. */
  readonly rest: readonly string[];
}

export const GLOBAL_FLAGS_USAGE = `  --kernels wasm|js     hot paths in WebAssembly (default) or the pure-TypeScript twins
  -h, --help            print this help and exit
  --version             print the version (package.json) and exit`;

/** Splits the global flags off the front of the bin's arguments. */
export function splitGlobalFlags(argv: readonly string[]): GlobalFlags {
  const forward: string[] = [];
  let help = false;
  let version = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") help = true;
    else if (arg === "--version") version = true;
    else if (arg.startsWith("--kernels=")) forward.push(arg);
    else if (arg === "--kernels" && i + 1 < argv.length) forward.push(arg, argv[++i]!);
    else break; // the command, or a command's own flag: the command checks it
  }
  return { forward, help, version, rest: argv.slice(i) };
}

/** The version in the package's own package.json (its "exports" lists "./package.json"). */
export function packageVersion(): string {
  const pkg = createRequire(import.meta.url)("wasm-lsm/package.json") as { version: string };
  return pkg.version;
}
