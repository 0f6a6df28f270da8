// The native peers of the table workloads (bench/native/table_bench.cc) and of the database
// workloads (bench/native/db_bench.cc), each compiled on first use with
// the system's g++ against Debian's libleveldb-dev and librocksdb-dev, and cached in the OS temp
// directory under a hash of the source and the command (so an edit recompiles). When a library is
// missing the program is built without it, and when neither links the native cases are skipped;
// either way the reason is printed.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The native programs, each one source file in bench/native/ (with the shared bench/native/measure.h). */
export type NativeName = "table_bench" | "db_bench";
const sourceOf = (name: NativeName) => join("bench", "native", `${name}.cc`);
const FLAGS = ["-O2", "-std=c++17"];
const LIBS = { leveldb: ["-lleveldb"], rocksdb: ["-lrocksdb"], common: ["-lsnappy", "-lpthread"] };

/** The variants tried in order: both libraries, then each alone. */
const VARIANTS = [
  { libs: ["leveldb", "rocksdb"], defines: [], link: [...LIBS.leveldb, ...LIBS.rocksdb] },
  { libs: ["leveldb"], defines: ["-DWITHOUT_ROCKSDB"], link: LIBS.leveldb },
  { libs: ["rocksdb"], defines: ["-DWITHOUT_LEVELDB"], link: LIBS.rocksdb },
] as const;

export interface NativeProgram {
  readonly path: string;
  /** The libraries it was built with, and their versions. */
  readonly leveldb: string | null;
  readonly rocksdb: string | null;
}

export interface NativeStatus {
  readonly program: NativeProgram | null;
  /** Why a library (or both) is left out; empty when both are in. */
  readonly message: string;
}

function findSource(name: NativeName): string {
  const source = sourceOf(name);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, source))) return join(dir, source);
    dir = dirname(dir);
  }
  throw new Error(`${source} not found above ${fileURLToPath(import.meta.url)}`);
}

function compile(source: string, out: string, args: readonly string[]): string | null {
  const tmp = `${out}.${process.pid}.tmp`;
  const r = spawnSync("g++", [...FLAGS, ...args.filter((a) => a.startsWith("-D")), "-o", tmp, source, ...args.filter((a) => !a.startsWith("-D"))], {
    encoding: "utf8",
  });
  if (r.error !== undefined) return `g++ did not run: ${r.error.message}`;
  if (r.status !== 0) return firstError(r.stderr);
  renameSync(tmp, out);
  return null;
}

/** The first line that says what went wrong (a missing header or library). */
function firstError(stderr: string): string {
  const lines = stderr.split("\n");
  return (lines.find((l) => /fatal error|cannot find|undefined reference|error:/.test(l)) ?? lines[0] ?? "").trim();
}

function info(path: string): NativeProgram {
  const r = spawnSync(path, ["mode=info"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${path} mode=info failed: ${r.stderr}`);
  const v = JSON.parse(r.stdout) as { leveldb: string | null; rocksdb: string | null };
  return { path, leveldb: v.leveldb, rocksdb: v.rocksdb };
}

/** Compiles the program (or finds it compiled); `write` gets progress and the reasons for skips. */
export function nativeProgram(write: (text: string) => void, name: NativeName = "table_bench"): NativeStatus {
  const source = findSource(name);
  const text = Buffer.concat([readFileSync(source), readFileSync(join(dirname(source), "measure.h"))]); // the shared header too
  const dir = join(tmpdir(), "wasm-lsm-bench");
  mkdirSync(dir, { recursive: true });
  const failures: string[] = [];
  for (const v of VARIANTS) {
    const args = [...v.defines, ...v.link, ...LIBS.common];
    const hash = createHash("sha256").update(text).update(JSON.stringify([FLAGS, args])).digest("hex").slice(0, 16);
    const out = join(dir, `${name}-${hash}`);
    if (!existsSync(out)) {
      write(`compiling ${source} (${v.libs.join(" + ")}) into ${out}\n`);
      const err = compile(source, out, args);
      if (err !== null) {
        failures.push(`with ${v.libs.join(" + ")}: ${err}`);
        continue;
      }
    }
    const program = info(out);
    const missing = ["leveldb", "rocksdb"].filter((lib) => !(v.libs as readonly string[]).includes(lib));
    const message = missing.length === 0 ? "" : `native ${missing.join(", ")} skipped: could not compile ${failures.join("; ")}`;
    return { program, message };
  }
  return {
    program: null,
    message: `native LevelDB and RocksDB skipped: could not compile ${sourceOf(name)} (needs g++, libleveldb-dev, librocksdb-dev, libsnappy-dev): ${failures.join("; ")}`,
  };
}
