// Error and summary texts that used to mislead (issue 7 item 12), through the built bin: a table
// name's rule (three digits or more), memtable_size_bytes's real range (1 GiB), and counts of one
// in the singular.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { assertBuilt, runCli } from "../support/built-cli.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-error-texts");
const line = (msgId: number, body: Record<string, unknown>) => JSON.stringify({ src: "c0", dest: "n1", body: { ...body, msg_id: msgId } });

/** The reply bodies of a run, by in_reply_to. */
function replies(stdout: string): Map<number, Record<string, unknown>> {
  const bodies = stdout.trimEnd().split("\n").map((l) => (JSON.parse(l) as { body: Record<string, unknown> }).body);
  return new Map(bodies.map((b) => [b.in_reply_to as number, b]));
}

describe("protocol error texts", () => {
  beforeAll(assertBuilt);

  test("a table name with fewer than three digits is told the rule, with an example", async () => {
    const run = await runCli([], `${line(1, { type: "sstable_lookup", sstable: "L0_1.sst", key: "k" })}\n`);
    expect(replies(run.stdout).get(1)).toMatchObject({
      type: "error",
      code: 12,
      text: 'sstable "L0_1.sst" is not a table name: the form is L<level>_<n>.sst with n of three digits or more, as L0_001.sst',
    });
  });

  test("memtable_size_bytes that is a fraction, a string or over 1 GiB is told the real range", async () => {
    const sizes = [1.5, "1024", -1, 2 ** 30 + 1, 2 ** 53];
    const run = await runCli([], sizes.map((size, i) => line(i + 1, { type: "sstable_flush", memtable_size_bytes: size })).join("\n"));
    const got = replies(run.stdout);
    sizes.forEach((size, i) => {
      expect(got.get(i + 1), String(size)).toMatchObject({ type: "error", code: 12, text: "memtable_size_bytes is not an integer from 0 to 1073741824 (1 GiB)" });
    });
  });

  test("the reference workload of one entry is logged as 1 entry", async () => {
    const run = await runCli([], `${line(1, { type: "sstable_flush", memtable_size_bytes: 0 })}\n`);
    expect(replies(run.stdout).get(1)).toMatchObject({ type: "sstable_flush_ok", entries: 1 });
    expect(run.stderr).toContain("loaded the reference workload of 0 bytes (1 entry, ");
  });
});

describe("sst summaries count one in the singular", () => {
  beforeAll(assertBuilt);

  test("write and check of a one-entry table", async () => {
    const out = join(freshDir(), "one.sst");
    const write = await runCli(["sst", "write", out], '{"key": "a", "value": "b"}\n');
    const size = readFileSync(out).length;
    expect(write).toEqual({ code: 0, stdout: "", stderr: `wasm-lsm sst write: wrote ${out}: 1 entry from 1 line, 1 key byte, 1 value byte, 1 data block, file ${size} bytes\n` });
    const check = await runCli(["sst", "check", out]);
    expect(check).toEqual({ code: 0, stdout: `ok: 1 entry, 1 data block, file ${size} bytes\n`, stderr: "" });
  });
});
