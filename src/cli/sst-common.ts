// What the `wasm-lsm sst` commands share (src/cli/sst.ts is the group; sst-write.ts, sst-read.ts and
// sst-check.ts the commands): the command shape, flag parsing, opening a table, and the errors that
// end a command with exit 1 rather than a stack trace.

import { parseArgs } from "node:util";
import { DEFAULT_BITS_PER_KEY } from "../kernels/bloom-layout.js";
import { loadKernels, type KernelsName } from "../kernels/node.js";
import type { Kernels } from "../kernels/types.js";
import { NodeRandomAccessFile } from "../io/node-file.js";
import { MAX_BITS_PER_KEY, UsageError } from "../node/options.js";
import { CorruptionError, UnsupportedError } from "../sstable/errors.js";
import { Table } from "../sstable/reader.js";
import type { Output } from "./sst-output.js";

export const EXIT_OK = 0;
/** The file is corrupt, unreadable or unwritable, or `write`'s input holds a bad line. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Bad input data (a line `sst write` cannot take): exit 1, the message names the line. */
export class InputError extends Error {
  override readonly name = "InputError";
}

export type Flags = Readonly<Record<string, string | boolean | undefined>>;

export interface SstCommand {
  /** The operands and options, as one usage line shows them (after "wasm-lsm sst "). */
  readonly synopsis: string;
  /** What the command does and its options, printed by --help under the synopsis. */
  readonly help: string;
  /** Names of the positional operands, all required. */
  readonly operands: readonly string[];
  readonly flags: Readonly<Record<string, { readonly type: "string" | "boolean" }>>;
  /** Does the work; stdout goes through `out`. Returns normally for exit 0, throws otherwise. */
  run(operands: readonly string[], flags: Flags, out: Output): Promise<void>;
}

export const KERNELS_FLAG = { kernels: { type: "string" } } as const;
export const KERNELS_HELP = "  --kernels wasm|js     hot paths in WebAssembly (default) or the pure-TypeScript twins";
export const BITS_PER_KEY_HELP = `  --bits-per-key N      Bloom filter bits per key, 1..${MAX_BITS_PER_KEY} (default ${DEFAULT_BITS_PER_KEY})`;

/** The operands and flags of one command's arguments, or "help"; throws UsageError. */
export function parseCommandArgs(command: SstCommand, args: readonly string[]): { operands: string[]; flags: Flags } | "help" {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], strict: true, allowPositionals: true, options: { ...command.flags, help: { type: "boolean", short: "h" } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const flags = parsed.values as Flags;
  if (flags.help === true) return "help";
  const want = command.operands;
  const got = parsed.positionals;
  if (got.length < want.length) throw new UsageError(`missing ${want.slice(got.length).join(" ")}`);
  if (got.length > want.length) throw new UsageError(`unexpected argument ${JSON.stringify(got[want.length])}`);
  return { operands: got, flags };
}

export function kernelsFlag(flags: Flags): Kernels {
  const value = flags.kernels;
  if (value === undefined) return loadKernels("wasm");
  if (value === "wasm" || value === "js") return loadKernels(value satisfies KernelsName);
  throw new UsageError(`--kernels must be wasm or js, got ${JSON.stringify(value)}`);
}

export function intFlag(flags: Flags, name: string, min: number, max: number, fallback: number): number {
  const value = flags[name];
  if (typeof value !== "string") return fallback;
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** "1 entry", "2 entries": a count with its noun, singular for exactly one. */
export function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Opens the table at `path`, runs `use` on it, and closes it (and its file) whatever happens. */
export async function withTable<T>(path: string, kernels: Kernels, use: (table: Table) => T | Promise<T>): Promise<T> {
  const file = new NodeRandomAccessFile(path);
  let table: Table;
  try {
    table = Table.open(file, { kernels });
  } catch (err) {
    file.close();
    throw err;
  }
  try {
    return await use(table);
  } finally {
    table.close();
  }
}

/**
 * The one-line message of a failure that ends a command with exit 1, or null for anything else (a
 * bug: the bin prints its stack). `subject` is the command's file, named when fs leaves it out.
 */
export function failureMessage(err: unknown, subject: string | undefined): string | null {
  if (err instanceof CorruptionError || err instanceof UnsupportedError || err instanceof InputError) return err.message;
  if (!isSystemError(err)) return null;
  return err.path === undefined && subject !== undefined ? `${subject}: ${err.message}` : err.message;
}

/** An error from the file system or a stream (ENOENT, EACCES, EISDIR, ENOSPC, EPIPE...). */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string" && typeof (err as NodeJS.ErrnoException).syscall === "string";
}
