// A database directory RocksDB wrote (its own `ldb`, Debian rocksdb-tools) given to the LevelDB
// directory reader and to `wasm-lsm db dump`: refused with UnsupportedError, saying it is
// RocksDB's, and left as it was (its MANIFEST's RocksDB fields are not decoded; FORMAT.md
// "LevelDB's directories").
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { nodeEnv } from "../../src/io/node-env.js";
import { jsKernels } from "../../src/kernels/js.js";
import { openLevelDbDirectory } from "../../src/lsm/leveldb-directory.js";
import { UnsupportedError } from "../../src/sstable/errors.js";
import { assertBuilt, runCli } from "../support/built-cli.js";
import { findProgram, missing, PACKAGES, run } from "./tools.js";

const LDB = findProgram(["ldb", "rocksdb_ldb"]);
const root = mkdtempSync(join(tmpdir(), "wasm-lsm-rocksdb-dir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("a RocksDB directory is refused by the reader and by db dump, and keeps every name and byte", async ({ skip }) => {
  if (LDB === null) missing(skip, `ldb is not on PATH (Debian package ${PACKAGES.ldb})`);
  assertBuilt();
  const dir = join(root, "db");
  for (const [k, v] of [["a", "1"], ["b", "2"]]) expect(run(LDB, [`--db=${dir}`, "--create_if_missing", "put", k, v]).status).toBe(0);
  const files = () => new Map(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n))]));
  const before = files();
  expect([...before.keys()]).toContain("IDENTITY");
  let refused: unknown = null;
  try {
    openLevelDbDirectory(nodeEnv, dir, { kernels: jsKernels }).close();
  } catch (err) {
    refused = err;
  }
  expect(refused).toBeInstanceOf(UnsupportedError);
  expect((refused as Error).message).toMatch(/unsupported RocksDB database directory \(it holds IDENTITY, OPTIONS-\d+/);
  const dump = await runCli(["db", "dump", dir]);
  expect(dump.code).toBe(1);
  expect(dump.stdout).toBe("");
  expect(dump.stderr).toMatch(/^wasm-lsm db dump: .*IDENTITY at offset 0: unsupported RocksDB database directory/);
  expect(files()).toEqual(before);
});
