// `wasm-lsm db dump|scan|get|stats` on a LevelDB database directory (the built bin, as the user
// runs it) on a copy of test/fixtures/leveldb-dir/db, which classic-level wrote: the lines are
// classic-level's entries, and the directory keeps every name and byte, whatever is run on it.
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";
import { assertBuilt, runCli } from "../support/built-cli.js";
import { tempDirs } from "../support/temp-dirs.js";

const FIXTURE = join(import.meta.dirname, "../fixtures/leveldb-dir");
const expected = JSON.parse(readFileSync(join(FIXTURE, "expected.json"), "utf8")) as { entries: [string, string][]; files: string[] };
const tmp = tempDirs("wasm-lsm-db-leveldb");
const db = (args: string[]) => runCli(["db", ...args]);

beforeAll(() => assertBuilt());

/** A copy of the fixture's LevelDB directory. */
function copy(): string {
  const dir = join(tmp(), "db");
  cpSync(join(FIXTURE, "db"), dir, { recursive: true });
  return dir;
}

const files = (dir: string) => new Map(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n))]));

/** A key or value as the dump prints it: a JSON string when its bytes are UTF-8, else {"hex": ...}. */
function shown(hex: string): string {
  try {
    return JSON.stringify(new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(hex, "hex")));
  } catch {
    return `{"hex": "${hex}"}`;
  }
}

test("dump prints classic-level's entries as JSON lines, and --hex as hex, with either kernels", async () => {
  const dir = copy();
  const [plain, hex, js] = await Promise.all([db(["dump", dir]), db(["dump", dir, "--hex"]), db(["dump", dir, "--kernels", "js"])]);
  const lines = expected.entries.map(([k, v]) => `{"key": ${shown(k)}, "value": ${shown(v)}}\n`).join("");
  expect(plain).toEqual({ code: 0, stderr: "", stdout: lines });
  expect(plain.stdout).toContain('{"key": {"hex": "ff0080"}, "value": {"hex": "c32800"}}\n');
  expect(hex).toEqual({ code: 0, stderr: "", stdout: expected.entries.map(([k, v]) => `{"key": "${k}", "value": "${v}"}\n`).join("") });
  expect(js).toEqual(plain);
});

test("get, scan, stats, check and dump read it; put, delete and compact refuse it; none changes a name or a byte", async () => {
  const dir = copy();
  const before = files(dir);
  expect([...before.keys()].sort()).toEqual(expected.files);
  const [hit, deleted, missing, scan, stats, check] = await Promise.all([
    db(["get", dir, "key0013"]),
    db(["get", dir, "key0005"]),
    db(["get", dir, "key9999"]),
    db(["scan", dir, "--from", "key0100", "--to", "key0103", "--reverse"]),
    db(["stats", dir]),
    db(["check", dir]),
  ]);
  expect(hit).toEqual({ code: 0, stderr: "", stdout: '{"found": true, "value": "value 13 of round 3 value 13 of round 3 "}\n' });
  expect(deleted.stdout).toBe('{"found": false, "value": null}\n');
  expect(missing.stdout).toBe('{"found": false, "value": null}\n');
  // key0102 was deleted (session 1): the scan passes over it
  const inRange = expected.entries.filter(([k]) => k >= "6b657930313030" && k < "6b657930313033").reverse();
  expect(inRange.map(([k]) => Buffer.from(k, "hex").toString())).toEqual(["key0101", "key0100"]);
  expect(scan).toEqual({ code: 0, stderr: "", stdout: inRange.map(([k, v]) => `{"key": ${shown(k)}, "value": ${shown(v)}}\n`).join("") });
  const statLines = stats.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  expect(statLines.slice(0, 3)).toEqual([{ level: 0, tables: 1, bytes: 2780 }, { level: 1, tables: 0, bytes: 0 }, { level: 2, tables: 1, bytes: 7328 }]);
  expect(statLines[7]).toMatchObject({ live_entries: 427 });
  expect(statLines[8]).toEqual({ manifest: "MANIFEST-000006", last_sequence: 599, logs: [{ name: "000008.log", bytes: 2715, writes: 44, torn_tail_bytes: 0 }] });
  // 400 + 155 versions in the two tables: every table entry was checked
  expect(check).toEqual({ code: 0, stderr: "", stdout: "ok: 2 tables (555 entries, 8 data blocks, 10108 bytes) in MANIFEST-000006; 1 log (44 writes)\n" });
  const put = await db(["put", dir, "k", "v"]);
  expect(put.code).toBe(1);
  expect(put.stderr).toMatch(/holds a LevelDB database .* which wasm-lsm does not open/);
  expect((await db(["compact", dir])).code).toBe(1);
  expect((await db(["delete", dir, "key0013"])).code).toBe(1);
  expect((await db(["dump", dir])).code).toBe(0);
  expect(files(dir)).toEqual(before);
});

test("a damaged table: dump and check exit 1 naming the table, the offset and the check", async () => {
  const dir = copy();
  const path = join(dir, "000005.ldb");
  const bytes = readFileSync(path);
  bytes[100] ^= 0x40;
  writeFileSync(path, bytes);
  const damage = `corruption in ${path} at offset 0: data block crc32c mismatch: stored 0xeba255d9, computed 0x076136bf`;
  const [dump, check] = await Promise.all([db(["dump", dir]), db(["check", dir])]);
  expect([dump.code, dump.stderr]).toEqual([1, `wasm-lsm db dump: ${damage}\n`]);
  expect(check).toEqual({ code: 1, stdout: "", stderr: `wasm-lsm db check: ${damage}\nwasm-lsm db check: 1 problem found\n` });
});
