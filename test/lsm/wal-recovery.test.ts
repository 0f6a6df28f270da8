// Recovery of a damaged write-ahead log under each of RocksDB's WAL recovery modes, through the
// store's API on real directories: what is replayed, what refuses the start (with every file left
// as it was), what is logged, and that a point-in-time recovery is not undone by the next start.
import { cpSync, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Store } from "../../src/lsm/store.js";
import { encodeBatch, LogWriter, type WalRecoveryMode } from "../../src/lsm/wal.js";
import { LogRecovery, type DecodedLog } from "../../src/lsm/wal-recovery.js";
import { CorruptionError } from "../../src/sstable/errors.js";
import { ValueKind } from "../../src/sstable/format.js";
import { utf8, wasm as kernels } from "../kernels/kernels.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-wal-recovery");
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const key = (i: number) => `key${String(i).padStart(4, "0")}`;
const value = (i: number) => `value ${i} `.padEnd(100, "x");
const logsOf = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".log")).sort();

/** Every file of dir (and lost/) with its bytes in hex: to see that nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, f);
    try {
      out[f] = readFileSync(path).toString("hex");
    } catch {
      out[f] = "(directory)";
    }
  }
  return out;
}

/** A durable directory whose logs hold `batches` starts' worth of puts: keys from..to per start. */
async function written(starts: [number, number][]): Promise<string> {
  const dir = freshDir();
  const [[from, to], ...later] = starts;
  const store = Store.open({ kernels, dir });
  for (let i = from; i < to; i++) await store.put(utf8(key(i)), utf8(value(i)));
  await store.close();
  // A restart appends to the last log, so the later starts' logs are written here as a store
  // writes one that freezes without a flush: the next number, the next sequences (key i at i + 1).
  for (const [n, [lo, hi]] of later.entries()) {
    const writer = new LogWriter(kernels);
    const records = Array.from({ length: hi - lo }, (_, j) => writer.frame(encodeBatch({ sequence: lo + j + 1, ops: [{ kind: ValueKind.VALUE, key: utf8(key(lo + j)), value: utf8(value(lo + j)) }] })));
    writeFileSync(join(dir, `${String(n + 2).padStart(6, "0")}.log`), Buffer.concat(records));
  }
  return dir;
}

function open(dir: string, mode: WalRecoveryMode): { store: Store; lines: string[] } {
  const lines: string[] = [];
  const store = Store.open({ kernels, dir, walRecoveryMode: mode, log: (m) => lines.push(m) });
  return { store, lines };
}

const present = (store: Store, n: number) => Array.from({ length: n }, (_, i) => text(store.getFromMemtable(utf8(key(i)))) === value(i));
const count = (flags: boolean[]) => flags.filter(Boolean).length;

/** Offset of the record holding key i in a log whose records are the puts of keys from..: */
function recordOffset(log: Uint8Array, i: number): number {
  const at = Buffer.from(log).indexOf(Buffer.from(key(i)));
  expect(at).toBeGreaterThan(0);
  return at;
}

function damage(dir: string, name: string, edit: (b: Buffer) => void): string {
  const path = join(dir, name);
  const b = readFileSync(path);
  edit(b);
  writeFileSync(path, b);
  return path;
}

let base600 = "";
const copyOf600 = async () => {
  if (base600 === "") base600 = await written([[0, 600]]);
  const dir = freshDir();
  cpSync(base600, dir, { recursive: true });
  return dir;
};

describe("a flipped byte in a complete record", () => {
  test("the default mode refuses to start, naming the file, the offset and the check, and changes no file", async () => {
    const dir = await copyOf600();
    const [log] = logsOf(dir);
    const bytes = readFileSync(join(dir, log));
    const at = recordOffset(bytes, 590); // inside the last 32 KiB block
    const path = damage(dir, log, (b) => (b[at] ^= 0x01));
    const before = snapshot(dir);
    let err: unknown = null;
    try {
      open(dir, "tolerate-corrupted-tail-records");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CorruptionError);
    const c = err as CorruptionError;
    expect(c.file).toBe(path);
    expect(c.offset).toBeLessThan(at);
    expect(at - c.offset).toBeLessThan(30); // the record's own header, just before its key
    expect(c.check).toMatch(/^checksum mismatch in a record of \d+ bytes/);
    expect(snapshot(dir)).toEqual(before);
    expect(() => open(dir, "absolute-consistency")).toThrow(CorruptionError);
    expect(snapshot(dir)).toEqual(before);
  });

  test("skip-any-corrupted-records replays every write but the damaged one, and says which bytes it skipped", async () => {
    const dir = await copyOf600();
    const [log] = logsOf(dir);
    const at = recordOffset(readFileSync(join(dir, log)), 300);
    damage(dir, log, (b) => (b[at + 20] ^= 0x80));
    const { store, lines } = open(dir, "skip-any-corrupted-records");
    const got = present(store, 600);
    expect(got.map((ok, i) => (ok ? -1 : i)).filter((i) => i >= 0)).toEqual([300]);
    expect(lines.some((l) => new RegExp(`^recovery: .*${log}: skipped \\d+ bytes at offset \\d+: checksum mismatch`).test(l))).toBe(true);
    await store.close();
  });

  test("point-in-time replays up to the damage, drops the rest and the later logs, and the next start keeps new writes", async () => {
    const dir = await written([
      [0, 400],
      [400, 500],
    ]);
    const [first, second] = logsOf(dir);
    expect(second).toBeDefined();
    const original = readFileSync(join(dir, first));
    const laterLog = readFileSync(join(dir, second));
    const at = recordOffset(original, 200);
    damage(dir, first, (b) => (b[at + 30] ^= 0x04));
    const damaged = readFileSync(join(dir, first));
    let { store, lines } = open(dir, "point-in-time");
    const got = present(store, 500);
    expect(count(got)).toBe(200);
    expect(got.slice(0, 200).every(Boolean)).toBe(true);
    expect(lines.some((l) => l.includes(`${first}: point-in-time recovery stops at offset`))).toBe(true);
    expect(lines.some((l) => l.includes(`${second}: dropped whole`))).toBe(true);
    // the dropped bytes are kept in lost/; the log is cut to its sound prefix
    expect(readFileSync(join(dir, "lost", first))).toEqual(damaged);
    expect(readFileSync(join(dir, "lost", second))).toEqual(laterLog);
    expect(existsSync(join(dir, second))).toBe(false);
    expect(logsOf(dir)).toEqual([first, "000003.log"]); // the new log does not take a moved log's number
    const cut = readFileSync(join(dir, first));
    expect(cut).toEqual(original.subarray(0, cut.length));
    expect(cut.length).toBeLessThan(at);
    // writes after the recovery survive the next start, in every mode
    for (let i = 1000; i < 1010; i++) await store.put(utf8(key(i)), utf8(value(i)));
    await store.close();
    for (const mode of ["point-in-time", "tolerate-corrupted-tail-records", "absolute-consistency"] as const) {
      ({ store, lines } = open(dir, mode));
      expect(count(present(store, 200)), mode).toBe(200);
      expect(Array.from({ length: 10 }, (_, i) => text(store.getFromMemtable(utf8(key(1000 + i)))))).toEqual(Array.from({ length: 10 }, (_, i) => value(1000 + i)));
      expect(lines.filter((l) => /stops|dropped|skipped/.test(l))).toEqual([]);
      await store.close();
    }
  });
});

describe("a zeroed 4 KiB page with records after it", () => {
  test("is refused by default; skipped (only the records on it) in skip mode", async () => {
    const dir = await copyOf600();
    const [log] = logsOf(dir);
    const size = readFileSync(join(dir, log)).length;
    const page = Math.floor((size - 1) / 32768) * 32768 + 4096;
    expect(page + 4096).toBeLessThan(size);
    damage(dir, log, (b) => b.fill(0, page, page + 4096));
    expect(() => open(dir, "tolerate-corrupted-tail-records")).toThrow(/corruption in .*\.log at offset \d+: checksum mismatch/);
    const { store } = open(dir, "skip-any-corrupted-records");
    const lost = 600 - count(present(store, 600));
    expect(lost).toBeGreaterThanOrEqual(4096 / 130);
    expect(lost).toBeLessThanOrEqual(4096 / 130 + 2); // the records on the page and the one it cut into
    await store.close();
  });
});

describe("a torn tail", () => {
  test("is dropped loudly by default (file, offset, bytes); refused in absolute-consistency", async () => {
    const dir = await copyOf600();
    const [log] = logsOf(dir);
    const path = join(dir, log);
    const size = readFileSync(path).length;
    const lastStart = recordOffset(readFileSync(path), 599) - 7 - 1 - 1 - 12; // header, kind, key length, batch header
    truncateSync(path, size - 50);
    const before = snapshot(dir);
    expect(() => open(dir, "absolute-consistency")).toThrow(/^corruption in .*\.log at offset \d+: torn tail: a record of \d+ bytes cut short by the end of the file/);
    expect(snapshot(dir)).toEqual(before);
    const { store, lines } = open(dir, "tolerate-corrupted-tail-records");
    const got = present(store, 600);
    expect(count(got)).toBe(599);
    expect(got[599]).toBe(false);
    expect(lines).toContain(`recovery: ${path}: dropped a torn tail at offset ${lastStart}, ${size - 50 - lastStart} bytes: a record of ${size - lastStart - 7} bytes cut short by the end of the file`);
    await store.close();
  });

  test("zeros after the last record are a torn tail too: every write replayed, the zeros reported", async () => {
    const dir = await copyOf600();
    const [log] = logsOf(dir);
    const path = join(dir, log);
    const size = readFileSync(path).length;
    writeFileSync(path, new Uint8Array(3000), { flag: "a" });
    const { store, lines } = open(dir, "tolerate-corrupted-tail-records");
    expect(count(present(store, 600))).toBe(600);
    expect(lines).toContain(`recovery: ${path}: dropped a torn tail at offset ${size}, 3000 bytes: zero bytes from here to the end of the file`);
    await store.close();
  });
});

describe("a sound record that is not a write batch", () => {
  test("is corruption with file and offset by default; skipped in skip mode", async () => {
    const dir = freshDir();
    Store.open({ kernels, dir }).closeNow(); // a store's MANIFEST, and its empty 000001.log
    const w = new LogWriter(kernels);
    const batch = (seq: number, i: number) => encodeBatch({ sequence: seq, ops: [{ kind: ValueKind.VALUE, key: utf8(key(i)), value: utf8(value(i)) }] });
    const parts = [w.frame(batch(1, 0)), w.frame(utf8("not a batch at all")), w.frame(batch(2, 1))];
    writeFileSync(join(dir, "000001.log"), Buffer.concat(parts));
    expect(() => open(dir, "tolerate-corrupted-tail-records")).toThrow(
      new CorruptionError(join(dir, "000001.log"), parts[0].length, `a log record of 18 bytes that is not a write batch, 18 bytes in all; --wal-recovery-mode skip-any-corrupted-records or point-in-time starts without them`),
    );
    const { store, lines } = open(dir, "skip-any-corrupted-records");
    expect(present(store, 2)).toEqual([true, true]);
    expect(lines.some((l) => l.includes(`skipped 18 bytes at offset ${parts[0].length}: a log record of 18 bytes that is not a write batch`))).toBe(true);
    await store.close();
  });
});

describe("point-in-time recovery keeps the sequence contiguous", () => {
  const batchAt = (offset: number, sequence: number) => ({ offset, batch: { sequence, ops: [{ kind: ValueKind.VALUE, key: utf8(`k${sequence}`), value: utf8("v") }] } });
  const log = (file: string, sequences: number[], dropped: DecodedLog["dropped"] = []): DecodedLog => ({ file, size: sequences.length * 30, batches: sequences.map((s, i) => batchAt(i * 30, s)), dropped, end: sequences.length * 30 });

  test("a write whose sequence skips ahead is a point of recovery: it and everything after it are dropped", () => {
    const lines: string[] = [];
    const r = new LogRecovery("point-in-time", (m) => lines.push(m));
    expect(r.decide(log("1.log", [5, 6, 7])).batches.map((b) => b.sequence)).toEqual([5, 6, 7]);
    const second = r.decide(log("2.log", [8, 9, 11, 12]));
    expect(second.batches.map((b) => b.sequence)).toEqual([8, 9]);
    expect(second.keepBytes).toBe(60);
    expect(r.decide(log("3.log", [13]))).toEqual({ batches: [], keepBytes: 0 });
    expect(r.stoppedAfterSequence).toBe(9);
    expect(lines[0]).toMatch(/2\.log: point-in-time recovery stops at offset 60 \(sequence 11 where 10 was due/);
  });

  test("the other modes replay across such a gap", () => {
    for (const mode of ["tolerate-corrupted-tail-records", "absolute-consistency", "skip-any-corrupted-records"] as const) {
      const r = new LogRecovery(mode, () => {});
      expect(r.decide(log("1.log", [5, 6, 9])).batches.map((b) => b.sequence)).toEqual([5, 6, 9]);
      expect(r.stoppedAfterSequence).toBeNull();
    }
  });
});
