// Finding and running the real engines' tools for the compat tests. A missing tool fails the test
// when CI=true (CI must prove our tables against them), and otherwise skips it with the reason.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { basename, join } from "node:path";

export const IN_CI = process.env.CI === "true";

/** Debian packages that provide each tool (named in failure and skip messages; .ci/run installs them). */
export const PACKAGES = {
  sst_dump: "rocksdb-tools",
  ldb: "rocksdb-tools",
  "g++": "g++",
  leveldb: "libleveldb-dev",
} as const;

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together (sst_dump reports corruption on stderr). */
  readonly output: string;
}

/** Runs a program to completion; throws if it cannot be started or is killed. */
export function run(program: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(program, args, { cwd: options.cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: options.timeoutMs ?? 30_000 });
  if (r.error) throw new Error(`${program} ${args.join(" ")}: ${r.error.message}`);
  if (r.signal !== null) throw new Error(`${program} ${args.join(" ")}: killed by ${r.signal}\n${r.stdout}${r.stderr}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}${r.stderr}` };
}

/** The first of these names that runs (spawns at all) from PATH, or null. */
export function findProgram(names: readonly string[], probeArgs: readonly string[] = ["--help"]): string | null {
  for (const name of names) {
    const r = spawnSync(name, probeArgs, { encoding: "utf8", timeout: 30_000 });
    if (r.error === undefined) return name;
  }
  return null;
}

/**
 * What a test does when something it needs is absent: in CI, fail with `reason`; elsewhere, skip
 * with it. `skip` is the test context's skip (it throws, so nothing after it runs).
 */
export function missing(skip: (note?: string) => never, reason: string): never {
  if (IN_CI) throw new Error(`CI=true and ${reason}`);
  return skip(`${reason} (CI=true makes this a failure)`);
}

/** A C++ program built against LevelDB, or why it could not be (a tool that is missing). */
export type LevelDbProgram = { readonly ok: true; readonly exe: string } | { readonly ok: false; readonly why: string };

/**
 * Builds `source` with g++ (or $CXX) against libleveldb into `dir`. A probe program (`probe`, the
 * headers it needs) is built first: a missing compiler or missing LevelDB is a missing tool ({ok:
 * false}: skip, or fail in CI); a source that does not compile where the probe did is a bug here,
 * and throws.
 */
export function buildLevelDbProgram(dir: string, source: string, probe: string): LevelDbProgram {
  const cxx = process.env.CXX ?? "g++";
  if (findProgram([cxx], ["--version"]) === null) return { ok: false, why: `the C++ compiler ${cxx} is not on PATH (Debian package ${PACKAGES["g++"]})` };
  const probeFile = join(dir, "probe.cc");
  writeFileSync(probeFile, probe);
  const p = run(cxx, ["-std=c++17", "-o", join(dir, "probe"), probeFile, "-lleveldb"], { timeoutMs: 60_000 });
  if (p.status !== 0) return { ok: false, why: `LevelDB's headers or library are not installed (Debian package ${PACKAGES.leveldb}); ${cxx} said:\n${p.output}` };
  const exe = join(dir, basename(source, ".cc"));
  const c = run(cxx, ["-std=c++17", "-O1", "-Wall", "-o", exe, source, "-lleveldb"], { timeoutMs: 60_000 });
  if (c.status !== 0) throw new Error(`${cxx} could not compile ${source} (LevelDB itself is there):\n${c.output}`);
  return { ok: true, exe };
}
