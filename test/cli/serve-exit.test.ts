// How the built node ends when it cannot start or cannot go on (README.md, "Exit codes"): a store
// that cannot be opened is one line on stderr and exit 1; a reader of stdout that goes away, and
// SIGHUP/SIGQUIT/SIGINT/SIGTERM, close the store (an ephemeral store's directory removed) without a
// stack. Each through the bin in a child process, as a user or a harness runs it.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, truncateSync, unlinkSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { loadKernels } from "../../src/kernels/node.js";
import { LogWriter } from "../../src/lsm/wal.js";
import { assertBuilt, CLI, ROOT, runCli } from "../support/built-cli.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-serve-exit");
const request = (msgId: number, body: Record<string, unknown>) => JSON.stringify({ src: "c0", dest: "n1", body: { ...body, msg_id: msgId } });
const put = (msgId: number, key: string, value: string) => request(msgId, { type: "memtable_put", key, value });

/** A stack trace's frame line, as `fatal: Error: ...` printed them. */
const STACK_FRAME = /^\s+at /m;

/** A durable store holding L0_001.sst (one key) and a live log (another key). */
async function durableStore(): Promise<string> {
  const dir = join(freshDir(), "store");
  const run = await runCli(["--data-dir", dir], [put(1, "a", "1"), request(2, { type: "sstable_flush" }), put(3, "b", "2"), ""].join("\n"));
  expect(run.code, run.stderr).toBe(0);
  expect(readdirSync(dir)).toContain("L0_001.sst");
  return dir;
}

function expectOneLineRefusal(run: { code: number | null; stdout: string; stderr: string }, file: string): void {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stdout).toBe("");
  // Recovery may log what it did before it gives up; the refusal is the last line, and the only one.
  const lines = run.stderr.trimEnd().split("\n");
  const refusal = lines.at(-1)!;
  expect(refusal).toMatch(/^wasm-lsm: cannot open the store: /);
  expect(refusal).toContain(file);
  expect(lines.filter((l) => !l.startsWith("wasm-lsm: recovery: ")), run.stderr).toEqual([refusal]);
  expect(run.stderr).not.toMatch(STACK_FRAME);
  expect(run.stderr).not.toContain("fatal");
}

describe("a store that cannot be opened: one line, exit 1", () => {
  beforeAll(assertBuilt);

  test("a table the manifest lists is missing", async () => {
    const dir = await durableStore();
    unlinkSync(join(dir, "L0_001.sst"));
    expectOneLineRefusal(await runCli(["--data-dir", dir], ""), "L0_001.sst");
  });

  test("a table the manifest lists is truncated", async () => {
    const dir = await durableStore();
    const table = join(dir, "L0_001.sst");
    truncateSync(table, Math.floor(statSync(table).size / 2));
    expectOneLineRefusal(await runCli(["--data-dir", dir], ""), "L0_001.sst");
  });

  test("a log record that is not a write batch", async () => {
    const dir = await durableStore();
    // A well-framed log record (checksum right) whose payload is too short for a batch header.
    const record = new LogWriter(loadKernels("js")).frame(new Uint8Array([0xde, 0xad, 0xbe]));
    writeFileSync(join(dir, "000009.log"), record);
    expectOneLineRefusal(await runCli(["--data-dir", dir], ""), "000009.log");
  });

  test("a data directory that is a file", async () => {
    const file = join(freshDir(), "not-a-dir");
    writeFileSync(file, "x");
    expectOneLineRefusal(await runCli(["--data-dir", file], ""), "not-a-dir");
  });
});

interface Running {
  readonly child: ReturnType<typeof spawn>;
  /** The ephemeral store's directory, from the node's "ephemeral store in DIR" line. */
  readonly storeDir: Promise<string>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** The bin as a child over pipes; stdin is left to the test. */
function start(args: readonly string[] = []): Running {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  let found: (dir: string) => void;
  const storeDir = new Promise<string>((resolve) => (found = resolve));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
    const m = /ephemeral store in (\S+) /.exec(stderr);
    if (m !== null) found(m[1]!);
  });
  child.stdin!.on("error", () => {}); // EPIPE once the node stops reading
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, storeDir, exit };
}

describe("the reader of stdout goes away", () => {
  beforeAll(assertBuilt);

  test("pipelined puts | head -1: stops reading, removes the ephemeral store, exits 1 without a stack", async () => {
    const node = start();
    const lines: string[] = [];
    for (let i = 1; i <= 50_000; i++) lines.push(put(i, `key:${i}`, `value-${i}`));
    node.child.stdin!.end(`${lines.join("\n")}\n`);
    const first = await new Promise<string>((resolve) => {
      let text = "";
      node.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        text += chunk;
        const nl = text.indexOf("\n");
        if (nl >= 0) resolve(text.slice(0, nl));
      });
    });
    node.child.stdout!.destroy(); // what `head -1` does after its first line
    expect(JSON.parse(first).body).toMatchObject({ type: "memtable_put_ok", in_reply_to: 1 });
    const dir = await node.storeDir;
    const exit = await node.exit;
    expect(exit.signal).toBeNull();
    expect(exit.code, exit.stderr).toBe(1);
    expect(exit.stderr).not.toMatch(STACK_FRAME);
    expect(exit.stderr).not.toContain("fatal");
    expect(exit.stderr).toMatch(/^wasm-lsm: stdout failed \(write EPIPE\): the reader went away; stopped reading, store closed$/m);
    expect(existsSync(dir), `${dir} is left behind`).toBe(false);
  });
});

describe("signals close the store", () => {
  beforeAll(assertBuilt);

  test.each([
    ["SIGHUP", 129],
    ["SIGQUIT", 131],
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s: the ephemeral store's directory is removed, exit %i, no stack", async (signal, code) => {
    const node = start();
    const dir = await node.storeDir;
    node.child.stdin!.write(`${put(1, "k", "v")}\n`); // stdin stays open: the node is serving
    await new Promise<void>((resolve) => node.child.stdout!.once("data", () => resolve()));
    expect(existsSync(dir)).toBe(true);
    node.child.kill(signal);
    const exit = await node.exit;
    expect(exit.signal, exit.stderr).toBeNull();
    expect(exit.code, exit.stderr).toBe(code);
    expect(exit.stderr).toContain(`wasm-lsm: ${signal}: closing the store`);
    expect(exit.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(dir), `${dir} is left behind`).toBe(false);
  });
});
