// The input of `wasm-lsm sst write` and the table made of it, with no Node import: the web page's
// table builder (web/inspector-build.ts) runs this same code, so its bytes equal the command's.
//
//   line   := blank | {"key": K, "value": V, ...}     K, V: a string (its UTF-8) or {"hex": "..."}
//   table  := the distinct keys in byte order, the last value of each, every key at sequence 0,
//             kind value, with RocksDB's external-file properties (SstFileWriter's table)
//
// A "kind" field, when present, must be "value" (so `sst dump | sst write` refuses a table with
// deletions rather than turn them into values); other fields are ignored. sst-json.ts is the output
// side (bytesToJson); bytesFromJson here is its pair.

import type { Kernels } from "../kernels/types.js";
import type { WritableFile } from "../sstable/file.js";
import { internalKey, ValueKind } from "../sstable/format.js";
import { TableBuilder, type TableSummary } from "../sstable/writer.js";

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
// With the u flag a surrogate pair is one code point, so only lone surrogates match.
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const utf8 = new TextEncoder();

export interface InputEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** The bytes of a parsed JSON `field` in either form; throws an Error whose message says why not. */
export function bytesFromJson(v: unknown, field: string): Uint8Array {
  if (typeof v === "string") {
    if (LONE_SURROGATE.test(v)) throw new Error(`"${field}" holds a lone surrogate, which is not Unicode text: use {"hex": ...}`);
    return utf8.encode(v);
  }
  if (v === undefined) throw new Error(`no "${field}"`);
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const names = Object.keys(v);
    const hex = (v as { hex?: unknown }).hex;
    if (names.length === 1 && typeof hex === "string") {
      if (!HEX.test(hex)) throw new Error(`"${field}": "hex" must be an even number of hex digits`);
      return hexToBytes(hex);
    }
  }
  throw new Error(`"${field}" must be a string or {"hex": "..."}, got ${brief(v)}`);
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function brief(v: unknown): string {
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The entry of one line's text, or null for a blank line; throws an Error saying what is wrong. */
export function entryFromText(text: string): InputEntry | null {
  if (text.trim() === "") return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error('not a JSON object {"key": ..., "value": ...}');
  const o = v as Record<string, unknown>;
  if (o.kind !== undefined && o.kind !== "value") throw new Error(`"kind" ${JSON.stringify(o.kind)}: sst write writes values only`);
  const key = bytesFromJson(o.key, "key");
  if (key.length === 0) throw new Error("empty key (keys are 1 byte or more)");
  return { key, value: bytesFromJson(o.value, "value") };
}

/**
 * The entries read so far: the last value of each key. Keys are held as latin1 strings (one char
 * per byte), so the strings' code-unit order is the keys' byte order.
 */
export class InputEntries {
  private readonly map = new Map<string, Uint8Array>();

  get size(): number {
    return this.map.size;
  }

  has(key: Uint8Array): boolean {
    return this.map.has(latin1(key));
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.map.set(latin1(key), value);
  }

  /** The total bytes of the distinct keys. */
  keyBytes(): number {
    let n = 0;
    for (const k of this.map.keys()) n += k.length;
    return n;
  }

  /** The entries in key byte order. */
  *sorted(): IterableIterator<InputEntry> {
    for (const k of [...this.map.keys()].sort()) yield { key: latin1Bytes(k), value: this.map.get(k)! };
  }
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

export interface ExternalTableOptions {
  readonly kernels: Kernels;
  readonly bitsPerKey: number;
  /** Called after each entry added, with how many so far. */
  readonly onEntry?: (added: number) => void;
}

/**
 * Writes the entries to `file` as `sst write` does and finishes it (which syncs and closes the
 * file). On an error the table is abandoned and the error rethrown; removing the file is the
 * caller's.
 */
export function writeExternalTable(file: WritableFile, entries: InputEntries, options: ExternalTableOptions): TableSummary {
  const builder = new TableBuilder(file, { kernels: options.kernels, bitsPerKey: options.bitsPerKey, externalFile: true });
  try {
    let added = 0;
    for (const e of entries.sorted()) {
      builder.add(internalKey(e.key, 0, ValueKind.VALUE), e.value);
      options.onEntry?.(++added);
    }
    return builder.finish();
  } catch (err) {
    try {
      builder.abandon();
    } catch {
      // the first error is the one to report
    }
    throw err;
  }
}
