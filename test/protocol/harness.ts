// A test harness for the BUILT protocol node (dist/src/cli.js, from `npm run build:ts`): a real
// child process over pipes, driven the way a Maelstrom-style harness drives it.
//
//   const node = NodeProcess.start(["--memtable-bytes", "65536"]);
//   const reply = await node.request(line);          // one line in, await its reply (interactive)
//   const replies = await node.requestAll(lines);    // pipelined: all lines written, then N replies
//   const exit = await node.end();                   // end of input; exit code, all stdout, stderr
//   const run = await runBatch(args, lines);         // whole batch, replies collected at exit
//
// Every child still running when the test that started it finishes (passed or failed), or when a
// wait for a reply or for the exit times out, is stopped: SIGTERM, then SIGKILL after a grace
// period. A timeout's error carries the stderr tail.
// stdout is kept as raw bytes too, so tests can compare the exact output.
//
// `py(value)` prints JSON the way Python's json.dumps does by default (", " and ": ", ensure_ascii
// escapes \uXXXX, surrogate pairs for astral characters): written here independently of
// src/node/json.ts, so the two can check each other.

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, onTestFinished } from "vitest";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = join(ROOT, "dist", "src", "cli.js");

const DEFAULT_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// JSON as Python prints it

/**
 * A JSON string literal with Python's ensure_ascii escaping (every unit outside 0x20..0x7e); with
 * `ascii` false, as json.dumps(ensure_ascii=False): non-ASCII stays raw (UTF-8 on the wire), but a
 * lone surrogate, which UTF-8 cannot carry, is still escaped.
 */
export function pyString(text: string, ascii = true): string {
  return `"${text.replace(ascii ? ESCAPE_ASCII : ESCAPE_UTF8, escapeOne)}"`;
}

// No `u` flag: one UTF-16 unit at a time. ESCAPE_UTF8 leaves a well-formed surrogate pair alone.
const ESCAPE_ASCII = /["\\\u0000-\u001f\u007f-\uffff]/g;
const ESCAPE_UTF8 = /["\\\u0000-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const SHORT: Readonly<Record<string, string>> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

function escapeOne(ch: string): string {
  return SHORT[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * json.dumps(value) with Python's defaults (`ascii` false: ensure_ascii=False). Integers print as
 * Python prints them; other finite numbers (only ever in requests) as JS prints them.
 */
export function py(value: unknown, ascii = true): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return pyString(value, ascii);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`py: ${value} is not JSON`);
    return Object.is(value, -0) ? "-0" : String(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => py(v, ascii)).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyString(k, ascii)}: ${py(v, ascii)}`)
      .join(", ")}}`;
  }
  throw new TypeError(`py: ${typeof value}`);
}

// ---------------------------------------------------------------------------------------------
// Requests and replies

export interface Body {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** A request line `{"src": src, "dest": dest, "body": {"type", "msg_id", ...fields}}` in Python's format. */
export function req(src: string, msgId: number, type: string, fields: Record<string, unknown> = {}, dest = "n1"): string {
  return py({ src, dest, body: { type, msg_id: msgId, ...fields } });
}

/** req() with non-ASCII written raw, as UTF-8 (json.dumps(ensure_ascii=False)). */
export function reqUtf8(src: string, msgId: number, type: string, fields: Record<string, unknown> = {}, dest = "n1"): string {
  return py({ src, dest, body: { type, msg_id: msgId, ...fields } }, false);
}

/** The init request every test starts with: c0 -> n1, msg_id 1. */
export const INIT = req("c0", 1, "init", { node_id: "n1", node_ids: ["n1"] });
/** Its reply, byte for byte (PROTOCOL.md section 2). */
export const INIT_OK = '{"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}}';

/** The reply line the node must print, byte for byte: body fields in the given order, msg_id last. */
export function replyLine(dest: string, inReplyTo: number, type: string, fields: Record<string, unknown>, msgId: number, src = "n1"): string {
  return py({ src, dest, body: { type, in_reply_to: inReplyTo, ...fields, msg_id: msgId } });
}

export interface Reply {
  readonly src: string;
  readonly dest: string;
  readonly body: { type: string; in_reply_to: number; msg_id: number; [field: string]: unknown };
}

/**
 * Parses a reply line and checks its form: Python's exact text for what it holds (so separators,
 * escapes and ASCII-only output are right), envelope keys src, dest, body, and body keys `type`,
 * `in_reply_to`, the payload fields in `order` (when given), `msg_id` last.
 */
export function parseReply(line: string, order?: readonly string[]): Reply {
  expect(line, "reply is ASCII only").toMatch(/^[\x20-\x7e]*$/);
  const value = JSON.parse(line) as Reply;
  expect(py(value), "reply is in json.dumps format").toBe(line);
  expect(Object.keys(value)).toEqual(["src", "dest", "body"]);
  const keys = Object.keys(value.body);
  expect(keys[0]).toBe("type");
  expect(keys[1]).toBe("in_reply_to");
  expect(keys[keys.length - 1]).toBe("msg_id");
  if (order !== undefined) expect(keys).toEqual(["type", "in_reply_to", ...order, "msg_id"]);
  return value;
}

/** Payload field order of each reply type (PROTOCOL.md sections 3 and 4). */
export const FIELDS: Readonly<Record<string, readonly string[]>> = {
  init_ok: [],
  sstable_flush_ok: ["sstable_file", "entries", "bloom_filter_bits", "size_bytes"],
  sstable_lookup_ok: ["found", "value", "bloom_checked", "disk_reads"],
  memtable_put_ok: [],
  memtable_get_ok: ["value", "source"],
  memtable_scan_ok: ["entries"],
  error: ["code", "text"],
};

/** parseReply with the field order of its type, and the type and in_reply_to expected. */
export function expectReply(line: string, type: string, inReplyTo: number): Reply {
  const typeOf = /^\{"src": "[^"]*", "dest": "[^"]*", "body": \{"type": "([^"]*)"/.exec(line)?.[1];
  expect(typeOf, `reply type of ${line.slice(0, 300)}`).toBe(type);
  const reply = parseReply(line, FIELDS[type]);
  expect(reply.body.in_reply_to).toBe(inReplyTo);
  return reply;
}

/** An error reply with this code; returns its text. */
export function expectError(line: string, inReplyTo: number, code: number): string {
  const reply = expectReply(line, "error", inReplyTo);
  expect(reply.body.code, line.slice(0, 300)).toBe(code);
  expect(typeof reply.body.text).toBe("string");
  return reply.body.text as string;
}

/** Checks that msg_id counts the replies from `first`, one more per line (PROTOCOL.md section 2). */
export function expectMsgIds(lines: readonly string[], first = 0): void {
  const ids = lines.map((line) => (JSON.parse(line) as Reply).body.msg_id);
  const bad = ids.findIndex((id, i) => id !== first + i);
  expect(bad, bad < 0 ? "" : `reply ${bad} has msg_id ${ids[bad]}, expected ${first + bad}`).toBe(-1);
}

// ---------------------------------------------------------------------------------------------
// The child process

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Every stdout line, including those already consumed by request()/nextReply(). */
  readonly lines: string[];
  /** The raw stdout bytes. */
  readonly stdout: Buffer;
  readonly stderr: string;
}

export interface StartOptions {
  /** Milliseconds a wait for a reply or an exit may take before the child is killed. */
  readonly timeoutMs?: number;
}

type Waiter = { resolve: (line: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout };

const live = new Set<ChildProcessWithoutNullStreams>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

let checkedBuild = false;

/** Fails loudly when dist/ is missing or older than the sources it is built from. */
function checkBuild(): void {
  if (checkedBuild) return;
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build:ts\` first`);
  const srcTime = statSync(join(ROOT, "src", "node", "store-handlers.ts")).mtimeMs;
  if (statSync(join(ROOT, "dist", "src", "node", "store-handlers.js")).mtimeMs < srcTime) {
    throw new Error("dist/ is older than src/: run `npm run build:ts` first");
  }
  checkedBuild = true;
}

export class NodeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly chunks: Buffer[] = [];
  private partial: Buffer[] = [];
  private readonly allLines: string[] = [];
  private consumed = 0;
  private readonly waiters: Waiter[] = [];
  private stderrText = "";
  private linesSent = 0;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;
  private readonly timeoutMs: number;
  private stderrWaiters: (() => void)[] = [];

  private constructor(
    readonly args: readonly string[],
    options: StartOptions,
  ) {
    checkBuild();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    live.add(this.child);
    this.child.stdin.on("error", () => {}); // EPIPE after a kill: the test sees the exit instead
    this.child.stdout.on("data", (chunk: Buffer) => this.onStdout(chunk));
    this.child.stderr.setEncoding("utf8").on("data", (text: string) => {
      this.stderrText += text;
      const waiters = this.stderrWaiters;
      this.stderrWaiters = [];
      for (const w of waiters) w();
    });
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        live.delete(this.child);
        if (this.partial.length > 0) this.pushLine(Buffer.concat(this.partial)); // a last line without "\n"
        this.partial = [];
        this.exitInfo = { code, signal };
        const waiters = this.waiters.splice(0);
        for (const w of waiters) {
          clearTimeout(w.timer);
          w.reject(new Error(`the node exited (code ${code}, signal ${signal}) while a reply was awaited\n${this.stderrTail()}`));
        }
        for (const w of this.stderrWaiters.splice(0)) w();
        resolve();
      });
    });
  }

  /**
   * Spawns `node dist/src/cli.js ARGS`. When the current test finishes (passed or failed) a node
   * still running is stopped, and an ephemeral store directory it logged but left behind (a killed
   * node cannot remove it) is removed.
   */
  static start(args: readonly string[] = [], options: StartOptions = {}): NodeProcess {
    const node = new NodeProcess(args, options);
    try {
      onTestFinished(async () => {
        await node.stop();
        const dir = /ephemeral store in (.*) \((?:wasm|js) kernels/.exec(node.stderr)?.[1];
        if (dir !== undefined && basename(dir).startsWith("wasm-lsm-") && dirname(dir) === tmpdir()) rmSync(dir, { recursive: true, force: true });
      });
    } catch {
      // not inside a test (a hook): the process-exit handler still kills it
    }
    return node;
  }

  /** Stops a running node: SIGTERM (it closes its store), then SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.exitInfo !== null) return;
    this.kill("SIGTERM");
    const timer = setTimeout(() => this.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Lines written so far (the node numbers its input lines from 1 in its log). */
  get sent(): number {
    return this.linesSent;
  }

  /** Writes one line (a "\n" is added unless `raw`); returns its line number. */
  send(line: string | Buffer, raw = false): number {
    this.child.stdin.write(line);
    if (!raw) this.child.stdin.write("\n");
    return ++this.linesSent;
  }

  /** Writes lines without waiting for replies (pipelined). */
  sendAll(lines: readonly (string | Buffer)[]): void {
    // one write of many lines: fewer syscalls than one write each
    const batch: (string | Buffer)[] = [];
    let size = 0;
    const flush = () => {
      if (batch.length === 0) return;
      this.child.stdin.write(batch.every((x) => typeof x === "string") ? batch.join("") : Buffer.concat(batch.map((x) => (typeof x === "string" ? Buffer.from(x) : x))));
      batch.length = 0;
      size = 0;
    };
    for (const line of lines) {
      batch.push(line, "\n");
      size += line.length + 1;
      this.linesSent++;
      if (size > 1 << 20) flush();
    }
    flush();
  }

  /** The next reply line not yet consumed; rejects (and kills the node) after the timeout. */
  nextReply(timeoutMs = this.timeoutMs): Promise<string> {
    if (this.consumed < this.allLines.length) return Promise.resolve(this.allLines[this.consumed++]!);
    if (this.exitInfo !== null) return Promise.reject(new Error(`the node has exited (code ${this.exitInfo.code}); no more replies\n${this.stderrTail()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        void this.stop();
        reject(new Error(`no reply within ${timeoutMs} ms (${this.consumed} replies so far); node stopped\n${this.stderrTail()}`));
      }, timeoutMs);
      const waiter: Waiter = { resolve, reject, timer };
      this.waiters.push(waiter);
    });
  }

  /** The next `n` reply lines. */
  async nextReplies(n: number, timeoutMs = this.timeoutMs): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await this.nextReply(timeoutMs));
    return out;
  }

  /** Sends one line and awaits the next reply (interactive use: nothing else in flight). */
  request(line: string | Buffer, timeoutMs = this.timeoutMs): Promise<string> {
    this.send(line);
    return this.nextReply(timeoutMs);
  }

  /** Sends every line at once (pipelined), then awaits one reply per line. */
  requestAll(lines: readonly (string | Buffer)[], timeoutMs = this.timeoutMs): Promise<string[]> {
    this.sendAll(lines);
    return this.nextReplies(lines.length, timeoutMs);
  }

  /** Resolves once stderr matches (or rejects after the timeout, killing the node). */
  async waitForStderr(pattern: RegExp | string, timeoutMs = this.timeoutMs): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = typeof pattern === "string" ? (this.stderrText.includes(pattern) ? pattern : null) : pattern.exec(this.stderrText)?.[0];
      if (m) return m;
      const left = deadline - Date.now();
      if (left <= 0 || this.exitInfo !== null) {
        void this.stop();
        throw new Error(`stderr never showed ${String(pattern)}\n${this.stderrTail()}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.stderrWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Ends the input and waits for the exit; the node must finish its work and write every reply. */
  async end(timeoutMs = this.timeoutMs): Promise<Exit> {
    this.child.stdin.end();
    return this.waitExit(timeoutMs);
  }

  /** Waits for the process to exit (killing it after the timeout). */
  async waitExit(timeoutMs = this.timeoutMs): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void this.stop();
        reject(new Error(`the node did not exit within ${timeoutMs} ms; stopped\n${this.stderrTail()}`));
      }, timeoutMs);
    });
    try {
      await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.exit();
  }

  /** Lines not yet consumed by nextReply (after the exit: every remaining one). */
  remaining(): string[] {
    const rest = this.allLines.slice(this.consumed);
    this.consumed = this.allLines.length;
    return rest;
  }

  /** Kills the child at once (no-op once it has exited). */
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.exitInfo === null && this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  private exit(): Exit {
    const info = this.exitInfo!;
    return { code: info.code, signal: info.signal, lines: [...this.allLines], stdout: Buffer.concat(this.chunks), stderr: this.stderrText };
  }

  private onStdout(chunk: Buffer): void {
    this.chunks.push(chunk);
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) {
        if (start < chunk.length) this.partial.push(chunk.subarray(start));
        return;
      }
      this.partial.push(chunk.subarray(start, nl));
      this.pushLine(Buffer.concat(this.partial));
      this.partial = [];
      start = nl + 1;
    }
  }

  private pushLine(bytes: Buffer): void {
    const line = bytes.toString("utf8");
    this.allLines.push(line);
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      clearTimeout(waiter.timer);
      this.consumed++;
      waiter.resolve(line);
    }
  }

  private stderrTail(): string {
    const tail = this.stderrText.length > 4000 ? `...${this.stderrText.slice(-4000)}` : this.stderrText;
    return `args: ${JSON.stringify(this.args)}\nstderr:\n${tail}`;
  }
}

/** Runs a node over a whole input (written at once, then end of input); collects everything at exit. */
export async function runBatch(args: readonly string[], lines: readonly (string | Buffer)[], options: StartOptions = {}): Promise<Exit> {
  const node = NodeProcess.start(args, options);
  node.sendAll(lines);
  return node.end();
}

/** The directory an ephemeral node logged ("ephemeral store in DIR (...)"). */
export async function ephemeralDir(node: NodeProcess): Promise<string> {
  await node.waitForStderr(/ephemeral store in .* \(/);
  return /ephemeral store in (.*) \((?:wasm|js) kernels/.exec(node.stderr)![1]!;
}

// ---------------------------------------------------------------------------------------------
// Data

export { rng } from "../support/random.js";

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

const utf8 = new TextEncoder();

/** A short description of a (possibly huge) string, for failure messages. */
export function describeText(s: unknown): string {
  if (typeof s !== "string") return String(s);
  return s.length <= 80 ? JSON.stringify(s) : `${JSON.stringify(s.slice(0, 40))}... (${s.length} UTF-16 units)`;
}

/** Equality of possibly huge strings without printing them whole when they differ. */
export function expectSameText(actual: unknown, expected: string | null, label = ""): void {
  if (actual === expected) return;
  let at = 0;
  if (typeof actual === "string" && typeof expected === "string") while (at < actual.length && actual[at] === expected[at]) at++;
  expect.fail(`${label}: got ${describeText(actual)}, expected ${describeText(expected)}${typeof actual === "string" && typeof expected === "string" ? `; first difference at ${at}` : ""}`);
}

/** Compares strings by the bytes of their UTF-8 (the store's key order). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(utf8.encode(a), utf8.encode(b));
}

export function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}
