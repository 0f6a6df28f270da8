// The tables the compat tests hand to the real tools (test/compat/*.test.ts): their entries, built
// deterministically, and a writer that produces each table once per kernel path.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { NodeWritableFile } from "../../src/io/node-file.js";
import { loadKernels, type KernelsName } from "../../src/kernels/node.js";
import { internalKey, ValueKind } from "../../src/sstable/format.js";
import { TableBuilder, type TableSummary } from "../../src/sstable/writer.js";
import { rng } from "../support/random.js";

export interface Entry {
  readonly userKey: Uint8Array;
  readonly sequence: number;
  readonly kind: ValueKind;
  readonly value: Uint8Array;
  /** The full internal key: userKey + fixed64(sequence << 8 | kind). */
  readonly key: Uint8Array;
}

export interface TableSpec {
  readonly name: "A" | "B" | "C" | "D";
  readonly entries: readonly Entry[];
  readonly externalFile: boolean;
}

export interface WrittenTable extends TableSpec {
  /** The table written with the wasm kernels, named *.sst (sst_dump opens no other name). */
  readonly path: string;
  readonly summary: TableSummary;
  /** The same table from the JS kernels, and its summary. */
  readonly jsPath: string;
  readonly jsSummary: TableSummary;
}

const utf8 = new TextEncoder();
export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
export const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, "hex"));

function entry(userKey: Uint8Array, sequence: number, kind: ValueKind, value: Uint8Array): Entry {
  return { userKey, sequence, kind, value, key: internalKey(userKey, sequence, kind) };
}


const ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,:;/";
const NON_ASCII = ["é", "ß", "ø", "Ж", "λ", "日本", "語", "✓", "€", "😀", "🦀", "\u0000", "\u007f"];

/** A value of 0..300 UTF-8 bytes; about a third of them hold non-ASCII characters. */
function makeValue(next: () => number, i: number): Uint8Array {
  const target = i % 97 === 0 ? 0 : i % 89 === 0 ? 300 : Math.floor(next() * 301);
  const mixed = next() < 0.35;
  let s = "";
  let bytes = 0;
  for (;;) {
    const piece = mixed && next() < 0.3 ? NON_ASCII[Math.floor(next() * NON_ASCII.length)] : ASCII[Math.floor(next() * ASCII.length)];
    const n = utf8.encode(piece).length;
    if (bytes + n > target) break;
    s += piece;
    bytes += n;
  }
  return utf8.encode(s);
}

export const BIG_COUNT = 20_000;
const KEY_RANGE = 50_000;

/**
 * Table A: a flushed memtable. BIG_COUNT distinct keys `user:%010d` drawn from 0..KEY_RANGE-1 in
 * shuffled order; the i-th insert gets sequence i+1; every 1000th insert (a few) is a deletion.
 * Then sorted by user key, as a memtable iterates. Also returns each key's value for table B.
 */
function buildA(): { a: Entry[]; b: Entry[] } {
  const next = rng(0x5eed);
  const ids = Array.from({ length: KEY_RANGE }, (_, i) => i);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const inserts = ids.slice(0, BIG_COUNT).map((id, i) => {
    const userKey = utf8.encode(`user:${String(id).padStart(10, "0")}`);
    const value = makeValue(next, i);
    const deleted = i % 1000 === 999;
    return { id, userKey, value, a: entry(userKey, i + 1, deleted ? ValueKind.DELETION : ValueKind.VALUE, deleted ? new Uint8Array(0) : value) };
  });
  inserts.sort((x, y) => x.id - y.id);
  return {
    a: inserts.map((x) => x.a),
    // Table B: the same user keys, each with a value, at sequence 0 (SstFileWriter's form).
    b: inserts.map((x) => entry(x.userKey, 0, ValueKind.VALUE, x.value)),
  };
}

/** Table C: three entries; two versions of one user key (newest first), large sequence numbers. */
function buildC(): Entry[] {
  return [
    entry(utf8.encode("apple"), 2 ** 40 + 5, ValueKind.DELETION, new Uint8Array(0)),
    entry(utf8.encode("apple"), 2 ** 40 + 1, ValueKind.VALUE, utf8.encode("red ✓")),
    entry(utf8.encode("bé"), 7, ValueKind.VALUE, utf8.encode("x".repeat(200))),
  ];
}

export function tableSpecs(): TableSpec[] {
  const { a, b } = buildA();
  return [
    { name: "A", entries: a, externalFile: false },
    { name: "B", entries: b, externalFile: true },
    { name: "C", entries: buildC(), externalFile: false },
    { name: "D", entries: [], externalFile: false },
  ];
}

function writeOne(path: string, spec: TableSpec, kernels: KernelsName): TableSummary {
  const builder = new TableBuilder(new NodeWritableFile(path, true), { kernels: loadKernels(kernels), externalFile: spec.externalFile });
  for (const e of spec.entries) builder.add(e.key, e.value);
  return builder.finish();
}

export type Tables = Record<TableSpec["name"], WrittenTable>;

/** Writes the tables (all, or those named) from both kernel paths into a fresh temp dir. */
export function writeTables(names?: readonly TableSpec["name"][]): { dir: string; tables: Tables; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "wasm-lsm-compat-"));
  const tables = {} as Tables;
  for (const spec of tableSpecs()) {
    if (names !== undefined && !names.includes(spec.name)) continue;
    const path = join(dir, `${spec.name}.sst`);
    const jsPath = join(dir, `${spec.name}.js.sst`);
    const summary = writeOne(path, spec, "wasm");
    const jsSummary = writeOne(jsPath, spec, "js");
    tables[spec.name] = { ...spec, path, summary, jsPath, jsSummary };
  }
  return { dir, tables, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const readBytes = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

/** Internal-key order: user key bytewise ascending, then the 8-byte trailer (seq << 8 | kind) descending. */
export function compareInternal(a: Uint8Array, b: Uint8Array): number {
  const ua = a.subarray(0, a.length - 8);
  const ub = b.subarray(0, b.length - 8);
  const c = Buffer.compare(ua, ub);
  if (c !== 0) return c;
  const ta = Buffer.from(a.subarray(a.length - 8)).readBigUInt64LE();
  const tb = Buffer.from(b.subarray(b.length - 8)).readBigUInt64LE();
  return ta > tb ? -1 : ta < tb ? 1 : 0;
}

/**
 * Asserts two line lists are equal; on a difference, names the first differing line and both
 * counts instead of diffing 20,000 lines.
 */
export function expectSameLines(got: readonly string[], want: readonly string[], what: string): void {
  const n = Math.min(got.length, want.length);
  let i = 0;
  while (i < n && got[i] === want[i]) i++;
  if (i === n && got.length === want.length) return;
  const show = (l: readonly string[]) => (i < l.length ? JSON.stringify(l[i].length > 300 ? `${l[i].slice(0, 300)}...` : l[i]) : "(none: list ended)");
  expect.fail(`${what}: first difference at line ${i} of ${got.length} (expected ${want.length} lines)\n  got:      ${show(got)}\n  expected: ${show(want)}`);
}
