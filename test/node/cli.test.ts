// The built bin (dist/src/cli.js, from `npm run build:ts`; `npm test` builds it first) as a real
// child process over pipes, plus the flag parsing in-process.
import { beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_NODE_OPTIONS, parseServeArgs, UsageError } from "../../src/node/options.js";
import { assertBuilt, runCli } from "../support/built-cli.js";

const INIT = '{"src": "c0", "dest": "n1", "body": {"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": ["n1"]}}';
const INIT_OK = '{"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}}';

describe("the built wasm-lsm bin", () => {
  beforeAll(assertBuilt);

  test("serves init over real pipes and exits 0 at end of input", async () => {
    const run = await runCli([], `${INIT}\n`);
    expect(run.stdout).toBe(`${INIT_OK}\n`);
    expect(run.code).toBe(0);
  });

  test("`serve` with flags does the same; errors and blank lines keep stdout to protocol lines", async () => {
    const run = await runCli(["serve", "--kernels", "js", "--memtable-bytes", "1024", "--bits-per-key", "12"], `${INIT}\r\n\nnot json\n${INIT.replace('"msg_id": 1', '"msg_id": 2').replace('"init"', '"nope"')}`);
    expect(run.stdout).toBe(`${INIT_OK}\n{"src": "n1", "dest": "c0", "body": {"type": "error", "in_reply_to": 2, "code": 10, "text": "unsupported message type: nope", "msg_id": 1}}\n`);
    expect(run.stderr).toContain("line 3: line is not JSON");
    expect(run.code).toBe(0);
  });

  test("--help prints usage on stdout and exits 0", async () => {
    for (const args of [["--help"], ["serve", "--help"], ["-h"], ["help"]]) {
      const run = await runCli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: wasm-lsm/);
      expect(run.stdout).toContain("--kernels wasm|js");
    }
  });

  test("bad usage exits 2 with a message on stderr and nothing on stdout", async () => {
    const cases: [string[], RegExp][] = [
      [["--kernels", "foo"], /--kernels must be wasm or js, got "foo"/],
      [["serve", "--memtable-bytes", "12x"], /--memtable-bytes must be an integer/],
      [["--bits-per-key", "0"], /--bits-per-key must be an integer from 1 to 64/],
      [["--frobnicate"], /Unknown option '--frobnicate'/],
      [["serve", "extra"], /Unexpected argument 'extra'/],
      [["--kernels"], /argument missing/],
      [["nope"], /unknown command "nope"/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe("");
    }
  });
});

describe("serve flags", () => {
  test("defaults and every flag", () => {
    expect(parseServeArgs([])).toEqual(DEFAULT_NODE_OPTIONS);
    expect(DEFAULT_NODE_OPTIONS).toEqual({
      dataDir: undefined,
      memtableBytes: 4 * 1024 * 1024,
      bitsPerKey: 10,
      kernels: "wasm",
      walRecoveryMode: "tolerate-corrupted-tail-records",
      blockCacheBytes: 8 * 1024 * 1024,
      maxOpenFiles: 1000,
      readAheadBytes: 64 * 1024 * 1024,
      l0Trigger: 4,
      levelBaseBytes: 10 * 1024 * 1024,
      tableBytes: 2 * 1024 * 1024,
      compaction: true,
      compactionThread: "worker",
    });
    const all = ["--data-dir", "/tmp/x", "--memtable-bytes", "1024", "--bits-per-key", "64", "--kernels", "js", "--wal-recovery-mode", "point-in-time"];
    all.push("--block-cache-bytes", "0", "--max-open-files", "10", "--read-ahead-bytes", "1");
    all.push("--l0-trigger", "2", "--level-base-bytes", "65536", "--table-bytes", "4096", "--no-compaction", "--compaction-thread", "main");
    expect(parseServeArgs(all)).toEqual({
      dataDir: "/tmp/x",
      memtableBytes: 1024,
      bitsPerKey: 64,
      kernels: "js",
      walRecoveryMode: "point-in-time",
      blockCacheBytes: 0,
      maxOpenFiles: 10,
      readAheadBytes: 1,
      l0Trigger: 2,
      levelBaseBytes: 65536,
      tableBytes: 4096,
      compaction: false,
      compactionThread: "main",
    });
    expect(parseServeArgs(["--memtable-bytes=2048"])).toMatchObject({ memtableBytes: 2048 });
    expect(parseServeArgs(["--kernels", "foo", "--help"])).toBe("help");
  });

  test.each([[["--data-dir", ""]], [["--memtable-bytes", "0"]], [["--memtable-bytes", "-5"]], [["--memtable-bytes", "1e3"]], [["--memtable-bytes", String(2 ** 31)]], [["--bits-per-key", "65"]], [["--bits-per-key", " 7"]], [["--kernels", "WASM"]], [["--wal-recovery-mode", "lenient"]], [["--max-open-files", "9"]], [["--read-ahead-bytes", "0"]], [["--l0-trigger", "0"]], [["--level-base-bytes", "0"]], [["--table-bytes", "1.5"]], [["--no-compaction=1"]], [["--compaction-thread", "both"]], [["--compaction-thread", "Worker"]]])(
    "%j is a UsageError",
    (args) => {
      expect(() => parseServeArgs(args)).toThrow(UsageError);
    },
  );
});
