// `wasm-lsm sst write|dump|check|layout|get` as the user runs them: the built bin
// (dist/src/cli.js, from `npm run build:ts`; `npm test` builds it first) as a child process.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertBuilt, CLI, type Exit, ROOT, runCli } from "../support/built-cli.js";

const FOREIGN = join(ROOT, "test", "fixtures", "foreign");
const sst = (args: string[], stdin = "") => runCli(["sst", ...args], stdin);

const jsonLines = (items: readonly object[]) => items.map((o) => JSON.stringify(o) + "\n").join("");

// Random order, a duplicate (the last value wins), non-ASCII, binary keys and values in hex form, a
// hex form of UTF-8 bytes, a NUL and a tab, an empty value, a blank line.
const INPUT = [
  '{"key": "m", "value": "first"}',
  '{"key": "café", "value": "naïve ☃ 😀"}',
  '{"key": {"hex": "ff00fe"}, "value": {"hex": "80ff"}}',
  '{"key": "a", "value": ""}',
  "",
  '{"key": "m", "value": "last"}',
  '{"key": {"hex": "7A"}, "value": "z by hex"}',
  '{"key": "\\u0000nul", "value": "\\t"}',
].join("\n");
const DUMP = [
  '{"key": "\\u0000nul", "value": "\\t", "seq": 0, "kind": "value"}',
  '{"key": "a", "value": "", "seq": 0, "kind": "value"}',
  '{"key": "caf\\u00e9", "value": "na\\u00efve \\u2603 \\ud83d\\ude00", "seq": 0, "kind": "value"}',
  '{"key": "m", "value": "last", "seq": 0, "kind": "value"}',
  '{"key": "z", "value": "z by hex", "seq": 0, "kind": "value"}',
  '{"key": {"hex": "ff00fe"}, "value": {"hex": "80ff"}, "seq": 0, "kind": "value"}',
].map((l) => l + "\n").join("");

let dir: string;
let small: string;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), "wasm-lsm-sst-"));
  small = join(dir, "small.sst");
  const run = await sst(["write", small], INPUT);
  if (run.code !== 0) throw new Error(`sst write failed: ${run.stderr}`);
});

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("wasm-lsm sst", () => {
  test("write takes JSON lines in any order, the last value of a key wins; dump prints them in key order", async () => {
    const first = await sst(["write", join(dir, "again.sst")], INPUT);
    expect(first).toMatchObject({ code: 0, stdout: "" });
    expect(first.stderr).toMatch(/^wasm-lsm sst write: wrote .*again\.sst: 6 entries from 8 lines, 15 key bytes, 30 value bytes, 1 data block, file \d+ bytes\n$/);
    const dump = await sst(["dump", small]);
    expect(dump).toEqual({ code: 0, stdout: DUMP, stderr: "" });
    // dump's output is write's input: the same table, byte for byte
    const copy = join(dir, "copy.sst");
    expect((await sst(["write", copy], dump.stdout)).code).toBe(0);
    expect(readFileSync(copy).equals(readFileSync(small))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("write rejects a bad line with exit 1 naming it, and leaves no file behind", async () => {
    const out = join(dir, "bad.sst");
    const cases: [string, RegExp][] = [
      ['{"key": "a", "value": "1"}\nnot json\n', /^wasm-lsm sst write: line 2: not JSON/],
      ['{"key": "", "value": "1"}', /line 1: empty key \(keys are 1 byte or more\)/],
      ['{"key": "a"}', /line 1: no "value"/],
      ['{"key": {"hex": "abc"}, "value": "1"}', /line 1: "key": "hex" must be an even number of hex digits/],
      ['{"key": 7, "value": "1"}', /line 1: "key" must be a string or \{"hex": "..."\}/],
      ['["a", "1"]', /line 1: not a JSON object/],
      ['{"key": "a", "value": "", "kind": "deletion"}', /line 1: "kind" "deletion": sst write writes values only/],
      ["", /no entries on stdin/],
    ];
    const runs = await Promise.all(cases.map(([input]) => sst(["write", out], input)));
    runs.forEach((run, i) => {
      expect(run.code, cases[i][0]).toBe(1);
      expect(run.stderr).toMatch(cases[i][1]);
      expect(run.stdout).toBe("");
    });
    expect(readdirSync(dir).filter((f) => f.startsWith("bad.sst"))).toEqual([]);
  });

  test("check: ok on sound tables, ours and other engines'; exit 1 on a flipped byte or a truncated file", async () => {
    const bytes = readFileSync(small);
    const flipped = join(dir, "flipped.sst");
    const truncated = join(dir, "truncated.sst");
    writeFileSync(flipped, bytes.map((b, i) => (i === 12 ? b ^ 0x01 : b))); // inside data block #0
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 20));
    const foreign = ["leveldb-snappy.ldb", "leveldb-nocompress.ldb", "rocksdb-v0.sst", "rocksdb-v5.sst"].map((f) => join(FOREIGN, f));
    const [ours, ...theirs] = await Promise.all([small, ...foreign].map((f) => sst(["check", f])));
    expect(ours).toEqual({ code: 0, stdout: `ok: 6 entries, 1 data block, file ${bytes.length} bytes\n`, stderr: "" });
    for (const run of theirs) expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok: \d+ entr(y|ies), \d+ data blocks?, file \d+ bytes\n$/) });
    for (const file of [flipped, truncated]) {
      const run = await sst(["check", file]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(new RegExp(`^wasm-lsm sst check: corruption in .*${file.split("/").pop()} at offset \\d+: `));
    }
    expect((await sst(["check", flipped])).stderr).toMatch(/at offset 0: data block .*mismatch/);
  });

  test("get: a present key costs 2 reads, a filter negative 1; --hex keys; a deleted key", async () => {
    expect(await sst(["get", small, "m"])).toEqual({
      code: 0, stderr: "", stdout: '{"found": true, "value": "last", "deleted": false, "bloom_checked": true, "disk_reads": 2}\n',
    });
    expect((await sst(["get", small, "ff00fe", "--hex"])).stdout).toBe('{"found": true, "value": {"hex": "80ff"}, "deleted": false, "bloom_checked": true, "disk_reads": 2}\n');
    const absent = await Promise.all(Array.from({ length: 10 }, (_, i) => sst(["get", small, `absent-${i}`])));
    const reads = absent.map((run) => {
      expect(run.code).toBe(0);
      const r = JSON.parse(run.stdout) as { found: boolean; value: null; deleted: boolean; bloom_checked: boolean; disk_reads: number };
      expect(r).toMatchObject({ found: false, value: null, deleted: false, bloom_checked: true });
      expect(r.disk_reads).toBeLessThanOrEqual(2);
      return r.disk_reads;
    });
    expect(reads).toContain(1);
    // LevelDB's table: del000's newest entry is a deletion; its filter is LevelDB's, not ours
    expect((await sst(["get", join(FOREIGN, "leveldb-snappy.ldb"), "del000"])).stdout).toBe(
      '{"found": false, "value": null, "deleted": true, "bloom_checked": false, "disk_reads": 2}\n',
    );
  });

  test("layout names every block and the footer; --entries limits the entries shown", async () => {
    const [all, none] = await Promise.all([sst(["layout", small]), sst(["layout", small, "--entries", "0"])]);
    expect(all.code).toBe(0);
    for (const part of ["data block #0", 'meta block "filter.', 'meta block "rocksdb.properties"', "index block", "metaindex block", "footer (48 bytes", "entry #5:"]) {
      expect(all.stdout).toContain(part);
    }
    expect(none.stdout).toContain("(6 more entries)");
    expect(none.stdout).not.toContain('=> "last"');
  });

  test("layout of LevelDB's Snappy table: file ranges stay in the file and in their block; compressed blocks say so", async () => {
    // Before, entries of a compressed block were printed at block offset + offset in the
    // decompressed bytes, past their block and (in the index block) past the end of the file.
    const file = join(FOREIGN, "leveldb-snappy.ldb");
    const size = statSync(file).size;
    const run = await sst(["layout", file]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    let block: { start: number; end: number; compressed: boolean } | null = null;
    let compressedBlocks = 0, insideLines = 0;
    for (const line of run.stdout.trimEnd().split("\n")) {
      const m = /^ *(\+?)(\d+)- *(\+?)(\d+) {2}( *)(.*)$/.exec(line);
      expect(m, line).not.toBeNull();
      const [, plusStart, start, plusEnd, end, indent, text] = m!;
      const range = { start: Number(start), end: Number(end), depth: indent.length / 2 };
      expect(plusStart, line).toBe(plusEnd);
      expect(range.start, line).toBeLessThanOrEqual(range.end);
      if (plusStart === "+") {
        // inside the decompressed bytes: only under a compressed block's contents
        expect(block?.compressed, line).toBe(true);
        expect(range.depth, line).toBe(2);
        insideLines++;
        continue;
      }
      expect(range.end, line).toBeLessThanOrEqual(size);
      if (range.depth === 0) {
        const compressed = /^(data|meta|index|metaindex) block.*, snappy-compressed, \d+ bytes decompressed\)$/.test(text);
        block = { ...range, compressed };
        if (compressed) compressedBlocks++;
        continue;
      }
      expect(range.start, line).toBeGreaterThanOrEqual(block!.start);
      expect(range.end, line).toBeLessThanOrEqual(block!.end);
      if (block!.compressed) expect(text, line).toMatch(/^(snappy-compressed contents: \d+ bytes stored, \d+ decompressed|trailer: compression 1 \(snappy\))/);
    }
    expect(compressedBlocks).toBeGreaterThanOrEqual(33); // 32 data blocks and the index, at least
    expect(run.stdout).toMatch(/^ {3}\+0- {2}\+17 {6}entry #0: shared 0, unshared 14, value 0: "del000"#2001,deletion => ""$/m);
    expect(insideLines).toBeGreaterThan(2005);
    // an uncompressed table of LevelDB's: no decompressed ranges, every block stored as is
    const plain = await sst(["layout", join(FOREIGN, "leveldb-nocompress.ldb"), "--entries", "1"]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toMatch(/^ *\+\d+-/m);
    expect(plain.stdout).not.toContain("compressed");
    expect(plain.stdout).toContain("trailer: compression 0,");
  });

  test("dump of LevelDB's Snappy table: 2005 lines in table order, the first the deletion of del000", async () => {
    const fixture = (JSON.parse(readFileSync(join(FOREIGN, "tables.json"), "utf8")) as { tables: { file: string; entries: object[] }[] }).tables.find(
      (t) => t.file === "leveldb-snappy.ldb",
    )!;
    const run = await sst(["dump", join(FOREIGN, "leveldb-snappy.ldb"), "--kernels", "js"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2005);
    expect(lines[0]).toBe('{"key": "del000", "value": "", "seq": 2001, "kind": "deletion"}');
    const hex = (v: string | { hex: string }) => (typeof v === "string" ? Buffer.from(v, "utf8").toString("hex") : v.hex);
    const got = lines.map((l) => {
      const e = JSON.parse(l) as { key: string | { hex: string }; value: string | { hex: string }; seq: number; kind: string };
      return { key: hex(e.key), seq: e.seq, kind: e.kind, value: hex(e.value) };
    });
    expect(got).toEqual(fixture.entries);
  });

  test("--help on the group and on every command prints usage on stdout and exits 0", async () => {
    const commands = ["write", "dump", "check", "layout", "get"];
    const runs = await Promise.all([["--help"], ["help"], ["-h"], ...commands.map((c) => [c, "--help"])].map((args) => sst(args)));
    for (const run of runs) {
      expect(run).toMatchObject({ code: 0, stderr: "" });
      expect(run.stdout).toMatch(/^Usage: wasm-lsm sst /);
      expect(run.stdout).toContain("Exit codes:");
    }
    commands.forEach((c, i) => expect(runs[3 + i].stdout).toMatch(new RegExp(`^Usage: wasm-lsm sst ${c} `)));
  });

  test("bad usage exits 2 with a message on stderr and nothing on stdout", async () => {
    const cases: [string[], RegExp][] = [
      [[], /^wasm-lsm sst: missing command/],
      [["nope"], /^wasm-lsm sst: unknown command "nope"/],
      [["dump"], /^wasm-lsm sst dump: missing FILE\nRun "wasm-lsm sst dump --help" for usage/],
      [["dump", small, "extra"], /unexpected argument "extra"/],
      [["get", small], /missing KEY/],
      [["get", small, "zz", "--hex"], /--hex: KEY must be an even number of hex digits/],
      [["dump", small, "--kernels", "foo"], /--kernels must be wasm or js, got "foo"/],
      [["write", join(dir, "x.sst"), "--bits-per-key", "0"], /--bits-per-key must be an integer from 1 to 64/],
      [["layout", small, "--entries", "x"], /--entries must be an integer/],
      [["check", small, "--frobnicate"], /Unknown option '--frobnicate'/],
    ];
    const runs = await Promise.all(cases.map(([args]) => sst(args)));
    runs.forEach((run, i) => {
      expect(run.code, cases[i][0].join(" ")).toBe(2);
      expect(run.stderr).toMatch(cases[i][1]);
      expect(run.stdout).toBe("");
    });
  });

  test("a missing file, or one that is not a table, exits 1 with a message and no stack", async () => {
    const tiny = join(dir, "tiny.sst");
    const text = join(dir, "text.sst");
    writeFileSync(tiny, "0123456789");
    writeFileSync(text, "not a table\n".repeat(20));
    const missing = join(dir, "missing.sst");
    const cases: [string[], RegExp][] = [
      ...["dump", "check", "layout"].map((c): [string[], RegExp] => [[c, missing], /ENOENT: no such file or directory/]),
      [["get", missing, "k"], /ENOENT/],
      [["dump", tiny], /corruption in .*tiny\.sst at offset 0: file of 10 bytes is too short for a footer/],
      [["check", text], /corruption in .*text\.sst at offset \d+: bad magic number in footer/],
    ];
    const runs = await Promise.all(cases.map(([args]) => sst(args)));
    runs.forEach((run, i) => {
      expect(run.code, cases[i][0].join(" ")).toBe(1);
      expect(run.stderr).toMatch(cases[i][1]);
      expect(run.stderr.split("\n")).toHaveLength(2); // one line
      expect(run.stdout).toBe("");
    });
  });
});

// More than one of TableBuilder's 256 KiB batches, a few hundred data blocks.
describe("wasm-lsm sst on a big input", () => {
  const n = 110_000;
  let wasm: string;
  let runs: Exit[];

  beforeAll(async () => {
    const order = Array.from({ length: n }, (_, i) => (i * 7919) % n); // a permutation: random order
    const input = jsonLines(order.map((i) => ({ key: `key${String(i).padStart(8, "0")}`, value: "v".repeat(i % 41) })));
    wasm = join(dir, "big-wasm.sst");
    runs = await Promise.all([
      sst(["write", wasm, "--kernels", "wasm", "--progress"], input),
      sst(["write", join(dir, "big-js.sst"), "--kernels", "js", "--bits-per-key", "10"], input),
    ]);
  });

  test("--progress reports on stderr; wasm and js kernels write the same bytes", () => {
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    expect(runs[0].stderr).toContain("wasm-lsm sst write: 100000 lines read\n");
    expect(runs[0].stderr).toContain("wasm-lsm sst write: 100000 of 110000 entries written\n");
    expect(runs[1].stderr.split("\n")).toHaveLength(2); // the summary only: stderr is not a TTY
    expect(readFileSync(wasm).equals(readFileSync(join(dir, "big-js.sst")))).toBe(true);
  });

  test("check passes: every key found through the index and the filter", async () => {
    const check = await sst(["check", wasm]);
    expect(check.stderr).toBe("");
    expect(check).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^ok: ${n} entries, \\d+ data blocks?, file ${statSync(wasm).size} bytes\n$`)) });
  });

  test("dump exits 0, quietly, when the reader of its stdout goes away (| head)", async () => {
    expect(await dumpThenHangUp(wasm)).toEqual({ code: 0, stderr: "" });
  });
});

/** Runs `sst dump FILE` and closes its stdout after the first chunk, as `| head` does. */
function dumpThenHangUp(file: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "sst", "dump", file], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    child.stdout.once("data", () => child.stdout.destroy());
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}
