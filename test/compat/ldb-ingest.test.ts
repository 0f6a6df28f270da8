// Table B (an SstFileWriter-style external file: every key at sequence 0, the external-file
// properties, the legacy footer) ingested into a fresh RocksDB database with RocksDB's own
// `ldb ingest_extern_sst` (Debian rocksdb-tools), then read back through the database with
// `ldb get` and `ldb scan`. This is how a user moves data from wasm-lsm into RocksDB.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectSameLines, hex, writeTables, type Tables } from "./tables.js";
import { findProgram, missing, PACKAGES, run } from "./tools.js";

const LDB = findProgram(["ldb", "rocksdb_ldb"]);

let tables: Tables;
let cleanup = () => {};
let db = "";
/** Set once the ingest test has seen ldb accept the file; the read tests need it. */
let ingested = false;

beforeAll(() => {
  ({ tables, cleanup } = writeTables(["B"]));
  db = join(mkdtempSync(join(tmpdir(), "wasm-lsm-rocksdb-")), "db");
});
afterAll(() => {
  cleanup();
  if (db !== "") rmSync(join(db, ".."), { recursive: true, force: true });
});

function ldb(skip: (note?: string) => never, args: readonly string[]) {
  if (LDB === null) missing(skip, `ldb is not on PATH (Debian package ${PACKAGES.ldb})`);
  return run(LDB, [`--db=${db}`, ...args]);
}

function needIngested(skip: (note?: string) => never): void {
  if (LDB === null) missing(skip, `ldb is not on PATH (Debian package ${PACKAGES.ldb})`);
  if (!ingested) throw new Error("table B was not ingested (see the ingest_extern_sst test's failure)");
}

const HEX = (b: Uint8Array) => `0x${hex(b).toUpperCase()}`;

describe("RocksDB ldb: ingest table B into a fresh database", () => {
  test("ingest_extern_sst accepts the file", ({ skip }) => {
    const b = tables.B;
    const r = ldb(skip, ["--create_if_missing", "ingest_extern_sst", b.path, "--move_files=false"]);
    expect(r.output).not.toMatch(/failed|corruption|error/i);
    expect(r.output).toContain("external SST files ingested");
    expect(r.status).toBe(0);
    expect(existsSync(b.path)).toBe(true); // copied, not moved
    // The database holds the file as one live table, and is consistent.
    const live = ldb(skip, ["list_live_files_metadata"]);
    expect(live.status).toBe(0);
    expect(live.stdout.split("\n").filter((l) => l.endsWith(".sst"))).toHaveLength(1);
    const check = ldb(skip, ["checkconsistency"]);
    expect(check.stdout.trim()).toBe("OK");
    expect(check.status).toBe(0);
    ingested = true;
  });

  test("get returns our value for 100 sample keys, and NotFound for absent keys", ({ skip }) => {
    needIngested(skip);
    const entries = tables.B.entries;
    const n = entries.length;
    const sample = Array.from({ length: 100 }, (_, i) => entries[Math.floor((i * (n - 1)) / 99)]);
    // Include empty values and non-ASCII ones if the even spread missed them.
    const empty = entries.find((e) => e.value.length === 0);
    const nonAscii = entries.find((e) => e.value.some((c) => c >= 0x80));
    expect(empty).toBeDefined();
    expect(nonAscii).toBeDefined();
    sample[1] = empty!;
    sample[2] = nonAscii!;
    for (const e of sample) {
      const r = ldb(skip, ["--hex", "get", HEX(e.userKey)]);
      expect(r.stderr, `ldb get ${HEX(e.userKey)}`).toBe("");
      expect(r.status, `ldb get ${HEX(e.userKey)}`).toBe(0);
      expect(r.stdout, `ldb get ${HEX(e.userKey)}`).toBe(`${HEX(e.value)}\n`);
    }
    for (const absent of ["user:", "user:0000000000\u0000", "user:9999999999", "zzz"]) {
      const key = new TextEncoder().encode(absent);
      const r = ldb(skip, ["--hex", "get", HEX(key)]);
      expect(r.output).toMatch(/NotFound/);
      expect(r.status).not.toBe(0);
    }
  });

  test("scan lists all the user keys with their values, in order", ({ skip }) => {
    needIngested(skip);
    const r = ldb(skip, ["--hex", "scan"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const got = r.stdout.split("\n").filter((l) => l !== "");
    const want = tables.B.entries.map((e) => `${HEX(e.userKey)} : ${HEX(e.value)}`);
    expect(want).toHaveLength(20_000);
    expectSameLines(got, want, "ldb scan after ingesting B");
  });
});
