// Our tables, written by TableBuilder from both kernel paths, read by RocksDB's sst_dump
// (Debian rocksdb-tools): checksums, every entry, and the properties block. ARCHITECTURE.md "Durability":
// sst_dump opens only *.sst names, and exits 0 even on a checksum mismatch, so these tests grep its
// output for "Corruption" (and a negative control proves that grep sees a real mismatch).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FILTER_POLICY_NAME } from "../../src/sstable/filter.js";
import { ValueKind } from "../../src/sstable/format.js";
import { BIG_COUNT, expectSameLines, hex, readBytes, writeTables, type Tables, type WrittenTable } from "./tables.js";
import { findProgram, missing, PACKAGES, run } from "./tools.js";

const SST_DUMP = findProgram(["sst_dump", "rocksdb_sst_dump"]);
const NAMES = ["A", "B", "C", "D"] as const;

let dir = "";
let tables: Tables;
let cleanup = () => {};
beforeAll(() => {
  ({ dir, tables, cleanup } = writeTables());
});
afterAll(() => cleanup());

function sstDump(skip: (note?: string) => never, args: readonly string[]) {
  if (SST_DUMP === null) missing(skip, `sst_dump is not on PATH (Debian package ${PACKAGES.sst_dump})`);
  return run(SST_DUMP, args);
}

describe("the tables under test", () => {
  test.each(NAMES)("%s: the wasm and JS kernels write byte-identical files", (name) => {
    const t = tables[name];
    expect(t.jsSummary).toEqual(t.summary);
    expect(Buffer.compare(readBytes(t.jsPath), readBytes(t.path))).toBe(0);
    expect(t.summary.entries).toBe(t.entries.length);
  });

  test("A and B span many data blocks; C fits in one; D has none", () => {
    expect(tables.A.entries.length).toBe(BIG_COUNT);
    expect(tables.A.entries.filter((e) => e.kind === ValueKind.DELETION).length).toBeGreaterThan(0);
    expect(tables.B.entries.length).toBe(BIG_COUNT);
    expect(tables.A.summary.dataBlocks).toBeGreaterThan(100);
    expect(tables.B.summary.dataBlocks).toBeGreaterThan(100);
    expect(tables.C.summary.dataBlocks).toBe(1);
    expect(tables.D.summary.dataBlocks).toBe(0);
  });
});

describe("sst_dump --command=check --verify_checksum", () => {
  test.for(NAMES)("%s: no corruption, exit 0", (name, { skip }) => {
    const r = sstDump(skip, [`--file=${tables[name].path}`, "--command=check", "--verify_checksum"]);
    expect(r.output).not.toMatch(/corruption/i);
    expect(r.output).toContain("Sst file format: block-based");
    expect(r.output).not.toMatch(/not able to|error/i);
    expect(r.status).toBe(0);
  });

  // The negative control: the same check on a copy of A with one byte flipped inside a data block
  // must report the corruption, or the grep above proves nothing.
  const flips: [string, (t: WrittenTable) => number][] = [
    ["the first data block", () => 100],
    ["a data block in the middle", (t) => Math.floor(t.summary.stats.dataSize / 2)],
  ];
  test.for(flips)("a copy of A with one byte flipped inside %s: sst_dump reports Corruption", ([, offsetOf], { skip }) => {
    const a = tables.A;
    const offset = offsetOf(a);
    expect(offset).toBeLessThan(a.summary.stats.dataSize);
    const bytes = readBytes(a.path);
    bytes[offset] ^= 0x5a;
    const bad = join(dir, `A-flipped-${offset}.sst`);
    writeFileSync(bad, bytes);
    const r = sstDump(skip, [`--file=${bad}`, "--command=check", "--verify_checksum"]);
    expect(r.output).toMatch(/corruption/i);
    expect(r.output).toMatch(/checksum mismatch/i);
  });
});

/** One entry as sst_dump --output_hex prints it: 'KEY' seq:N, type:T => VALUE (upper-case hex). */
const SCAN_LINE = /^'([0-9A-F]*)' seq:(\d+), type:(\d+) => ([0-9A-F]*)$/;
/** The lines sst_dump prints before the entries. */
const SCAN_HEADER = [/^options\.env is /, /^Process /, /^Sst file format: block-based$/, /^from \[\] to \[\]$/];

describe("sst_dump --command=scan --output_hex", () => {
  test.for(NAMES)("%s: lists exactly our entries in order (key, seq, type, value)", (name, { skip }) => {
    const t = tables[name];
    const r = sstDump(skip, [`--file=${t.path}`, "--command=scan", "--output_hex", "--verify_checksum"]);
    expect(r.output).not.toMatch(/corruption/i);
    expect(r.status).toBe(0);
    const got: string[] = [];
    const other: string[] = [];
    for (const line of r.stdout.split("\n")) {
      if (line === "") continue;
      const m = SCAN_LINE.exec(line);
      if (m !== null) got.push(`${m[1]} ${m[2]} ${m[3]} ${m[4]}`);
      else if (!SCAN_HEADER.some((h) => h.test(line))) other.push(line);
    }
    expect(other).toEqual([]);
    const want = t.entries.map((e) => `${hex(e.userKey).toUpperCase()} ${e.sequence} ${e.kind} ${hex(e.value).toUpperCase()}`);
    expectSameLines(got, want, `sst_dump scan of ${name}`);
  });
});

/** sst_dump's "Table Properties" section as name -> text, and its raw user-collected ones. */
function parseProperties(out: string): { props: Map<string, string>; user: Map<string, string> } {
  const props = new Map<string, string>();
  const user = new Map<string, string>();
  let section: Map<string, string> | null = null;
  for (const line of out.split("\n")) {
    if (line.startsWith("Table Properties:")) section = props;
    else if (line.trim() === "Raw user collected properties") section = user;
    else if (section !== null && line.startsWith("  ")) {
      const colon = line.indexOf(": ");
      if (colon >= 0) section.set(line.slice(2, colon), line.slice(colon + 2));
      else if (line.endsWith(":")) section.set(line.slice(2, -1), "");
    }
  }
  return { props, user };
}

describe("sst_dump --show_properties", () => {
  test.for(NAMES)("%s: shows our properties", (name, { skip }) => {
    const t = tables[name];
    const r = sstDump(skip, [`--file=${t.path}`, "--show_properties"]);
    expect(r.output).not.toMatch(/corruption|not able to read table properties/i);
    expect(r.status).toBe(0);
    const { props, user } = parseProperties(r.stdout);
    const deletions = t.entries.filter((e) => e.kind === ValueKind.DELETION).length;
    const rawKeys = t.entries.reduce((n, e) => n + e.key.length, 0);
    const rawValues = t.entries.reduce((n, e) => n + e.value.length, 0);
    expect(props.get("# entries")).toBe(String(t.entries.length));
    expect(props.get("# deletions")).toBe(String(deletions));
    expect(props.get("# data blocks")).toBe(String(t.summary.dataBlocks));
    expect(props.get("raw key size")).toBe(String(rawKeys));
    expect(props.get("raw value size")).toBe(String(rawValues));
    expect(props.get("data block size")).toBe(String(t.summary.stats.dataSize));
    expect(props.get("filter block size")).toBe(String(t.summary.stats.filterSize));
    expect(props.get("# entries for filter")).toBe(String(new Set(t.entries.map((e) => hex(e.userKey))).size));
    expect(props.get("filter policy name")).toBe(FILTER_POLICY_NAME);
    expect(props.get("filter policy name")).toBe("wasm-lsm.BlockedBloom512");
    expect(props.get("comparator name")).toBe("leveldb.BytewiseComparator");
    expect(props.get("SST file compression algo")).toBe("NoCompression");
    // Raw user-collected properties are printed as hex of their bytes: varint64 10, fixed32 2, fixed64 0.
    expect(user.get("# wasm-lsm.filter.bits.per.key")).toBe("0x0A");
    expect(user.get("# rocksdb.deleted.keys")).toBe(`0x${deletions.toString(16).padStart(2, "0").toUpperCase()}`);
    if (t.externalFile) {
      expect(user.get("# rocksdb.external_sst_file.version")).toBe("0x02000000");
      expect(user.get("# rocksdb.external_sst_file.global_seqno")).toBe("0x0000000000000000");
    } else {
      expect(user.has("# rocksdb.external_sst_file.version")).toBe(false);
      expect(user.has("# rocksdb.external_sst_file.global_seqno")).toBe(false);
    }
  });
});
