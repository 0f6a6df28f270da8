// A damaged write-ahead log through the built CLI (issue 7, items 4 and 17): a durable node takes
// 600 acknowledged puts and ends; its last log is damaged (a flipped byte inside its last 32 KiB
// block, a zeroed 4 KiB page there, one byte flipped in the first of three records, the file cut
// mid-record); then the node starts again under each --wal-recovery-mode. A refusal is one line
// naming the file, the offset and the check, exit 1, every file as it was; a start logs every
// dropped range, and memtable_get tells which acknowledged writes came back.
import { cpSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { assertBuilt, runCli, type Exit } from "../support/built-cli.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-wal-damage");
const key = (i: number) => `key${String(i).padStart(4, "0")}`;
const value = (i: number) => `value ${i} `.padEnd(100, "x");
const BLOCK = 32 * 1024;

const lines = (bodies: Record<string, unknown>[]) => bodies.map((body, i) => JSON.stringify({ src: "c0", dest: "n1", body: { ...body, msg_id: i + 1 } })).join("\n") + "\n";
const init = { type: "init", node_id: "n1", node_ids: ["n1"] };
const replies = (out: string) => out.split("\n").filter((l) => l !== "").map((l) => (JSON.parse(l) as { body: Record<string, unknown> }).body);

/** A durable directory after a node took `n` puts, every one acknowledged, and ended. */
async function acknowledged(n: number): Promise<string> {
  const dir = freshDir();
  const run = await runCli(["--data-dir", dir], lines([init, ...Array.from({ length: n }, (_, i) => ({ type: "memtable_put", key: key(i), value: value(i) }))]));
  expect(run.code, run.stderr).toBe(0);
  expect(replies(run.stdout).filter((b) => b.type === "memtable_put_ok")).toHaveLength(n);
  return dir;
}

/** Starts the node on dir with `flags`, asks memtable_get for keys 0..n-1; which came back intact. */
async function restart(dir: string, n: number, flags: string[] = []): Promise<{ run: Exit; found: boolean[] }> {
  const run = await runCli(["--data-dir", dir, ...flags], lines([init, ...Array.from({ length: n }, (_, i) => ({ type: "memtable_get", key: key(i) }))]));
  const gets = replies(run.stdout).filter((b) => b.type === "memtable_get_ok");
  const found = Array.from({ length: n }, () => false);
  for (const b of gets) found[(b.in_reply_to as number) - 2] = b.value === value((b.in_reply_to as number) - 2);
  return { run, found };
}

const logsOf = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".log")).sort();
const missing = (found: boolean[]) => found.flatMap((ok, i) => (ok ? [] : [i]));

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString("hex")]));
}

/** A copy of `base` whose last log `edit` changed; the log's path. */
function damaged(base: string, edit: (b: Buffer) => void): { dir: string; log: string } {
  const dir = freshDir();
  cpSync(base, dir, { recursive: true });
  const log = join(dir, logsOf(dir).at(-1)!);
  const b = readFileSync(log);
  edit(b);
  writeFileSync(log, b);
  return { dir, log };
}

/** The one line a refused start writes: it names the file, the offset and the check. */
async function expectRefusal(dir: string, log: string, flags: string[], check: RegExp): Promise<number> {
  const before = snapshot(dir);
  const { run } = await restart(dir, 1, flags);
  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
  const text = run.stderr.trimEnd().split("\n");
  expect(text, run.stderr).toHaveLength(1);
  const m = /^wasm-lsm: cannot open the store: corruption in (\S+) at offset (\d+): (.*)$/.exec(text[0]);
  expect(m, run.stderr).not.toBeNull();
  expect(m![1]).toBe(log);
  expect(m![3]).toMatch(check);
  expect(snapshot(dir)).toEqual(before);
  return Number(m![2]);
}

let base = ""; // 600 acknowledged puts in one log
let three = ""; // 3 acknowledged puts
let size = 0;
let lastBlock = 0;

beforeAll(async () => {
  assertBuilt();
  [base, three] = await Promise.all([acknowledged(600), acknowledged(3)]);
  size = readFileSync(join(base, logsOf(base)[0])).length;
  lastBlock = Math.floor((size - 1) / BLOCK) * BLOCK;
  expect(lastBlock).toBeGreaterThan(0);
});

describe("a flipped byte inside the last 32 KiB block", () => {
  const flip = (b: Buffer) => (b[lastBlock + ((size - lastBlock) >> 1)] ^= 0x10);

  test("the default mode and absolute-consistency refuse to start", async () => {
    const { dir, log } = damaged(base, flip);
    const at = await expectRefusal(dir, log, [], /^checksum mismatch in a record of \d+ bytes/);
    expect(at).toBeGreaterThan(lastBlock);
    expect(await expectRefusal(dir, log, ["--wal-recovery-mode", "absolute-consistency"], /^checksum mismatch/)).toBe(at);
  });

  test("point-in-time starts without the damaged write and every one after it, and logs the dropped range", async () => {
    const { dir, log } = damaged(base, flip);
    const { run, found } = await restart(dir, 600, ["--wal-recovery-mode", "point-in-time"]);
    expect(run.code, run.stderr).toBe(0);
    const first = missing(found)[0];
    expect(first).toBeGreaterThan(500);
    expect(missing(found)).toEqual(Array.from({ length: 600 - first }, (_, i) => first + i));
    expect(run.stderr).toMatch(new RegExp(`recovery: ${log}: point-in-time recovery stops at offset \\d+ \\(checksum mismatch[^)]*\\): dropped the \\d+ bytes from there \\(${600 - first - 1} writes in sound records among them\\)`));
    expect(readdirSync(join(dir, "lost"))).toEqual([logsOf(base)[0]]);
  });

  test("skip-any-corrupted-records replays every write but the damaged one", async () => {
    const { dir, log } = damaged(base, flip);
    const { run, found } = await restart(dir, 600, ["--wal-recovery-mode", "skip-any-corrupted-records"]);
    expect(run.code, run.stderr).toBe(0);
    expect(missing(found)).toHaveLength(1);
    expect(run.stderr).toMatch(new RegExp(`recovery: ${log}: skipped \\d+ bytes at offset \\d+: checksum mismatch`));
  });
});

describe("a zeroed 4 KiB page inside the last 32 KiB block, with records after it", () => {
  const zero = (b: Buffer) => b.fill(0, lastBlock + 4096, lastBlock + 8192);

  test("the default mode refuses; point-in-time starts and logs the dropped range; skip loses only the records on the page", async () => {
    expect(lastBlock + 8192).toBeLessThan(size);
    const { dir, log } = damaged(base, zero);
    const at = await expectRefusal(dir, log, [], /^checksum mismatch/);
    expect(at).toBeLessThan(lastBlock + 4096);
    const pit = await restart(dir, 600, ["--wal-recovery-mode", "point-in-time"]);
    expect(pit.run.code, pit.run.stderr).toBe(0);
    expect(pit.run.stderr).toContain(`recovery: ${log}: point-in-time recovery stops at offset ${at} (checksum mismatch`);
    expect(missing(pit.found)[0]).toBeGreaterThan(500);
    const again = damaged(base, zero);
    const skip = await restart(again.dir, 600, ["--wal-recovery-mode", "skip-any-corrupted-records"]);
    expect(skip.run.code, skip.run.stderr).toBe(0);
    const lost = missing(skip.found);
    expect(lost.length).toBeGreaterThanOrEqual(Math.floor(4096 / 130)); // records of about 130 bytes
    expect(lost.length).toBeLessThanOrEqual(Math.ceil(4096 / 130) + 1);
    expect(lost).toEqual(Array.from({ length: lost.length }, (_, i) => lost[0] + i));
    expect(skip.run.stderr).toMatch(new RegExp(`recovery: ${again.log}: skipped \\d+ bytes at offset ${at}: checksum mismatch`));
  });
});

describe("one byte flipped in the first of three records", () => {
  test("is refused by default; skip replays the other two; point-in-time none, loudly", async () => {
    const { dir, log } = damaged(three, (b) => (b[10] ^= 0x01));
    expect(await expectRefusal(dir, log, [], /^checksum mismatch/)).toBe(0);
    const skip = await restart(dir, 3, ["--wal-recovery-mode", "skip-any-corrupted-records"]);
    expect(skip.run.code, skip.run.stderr).toBe(0);
    expect(skip.found).toEqual([false, true, true]);
    const again = damaged(three, (b) => (b[10] ^= 0x01));
    const pit = await restart(again.dir, 3, ["--wal-recovery-mode", "point-in-time"]);
    expect(pit.run.code, pit.run.stderr).toBe(0);
    expect(pit.found).toEqual([false, false, false]);
    expect(pit.run.stderr).toContain(`recovery: ${again.log}: point-in-time recovery stops at offset 0 (checksum mismatch`);
  });
});

describe("a true torn tail: the log cut mid-record", () => {
  test("starts in the default mode, logging file, offset and bytes dropped; absolute-consistency refuses", async () => {
    const dir = freshDir();
    cpSync(base, dir, { recursive: true });
    const log = join(dir, logsOf(dir)[0]);
    truncateSync(log, size - 50);
    const at = await expectRefusal(dir, log, ["--wal-recovery-mode", "absolute-consistency"], /^torn tail: a record of \d+ bytes cut short by the end of the file, \d+ bytes in all/);
    const { run, found } = await restart(dir, 600);
    expect(run.code, run.stderr).toBe(0);
    expect(missing(found)).toEqual([599]);
    expect(run.stderr).toContain(`wasm-lsm: recovery: ${log}: dropped a torn tail at offset ${at}, ${size - 50 - at} bytes: a record of`);
  });
});
