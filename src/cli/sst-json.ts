// Keys and values as JSON, binary-safe, for `sst write` (in) and `sst dump` / `sst get` (out):
//
//   bytes that are valid UTF-8  ->  a JSON string                   "caf\u00e9"
//   any other bytes             ->  {"hex": "<lowercase hex>"}      {"hex": "ff00"}
//
// bytesToJson / bytesFromJson are the pair. The text is what Python's json.dumps prints (ASCII
// only, ", " and ": " separators), as every JSON line wasm-lsm prints is (PROTOCOL.md section 2).
// Input takes either form for any bytes, and hex in either case.

import { isUtf8 } from "node:buffer";
import { pythonString } from "../node/json.js";

// ignoreBOM: a key that starts with U+FEFF keeps it (the default decoder would drop it).
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const HEX = /^(?:[0-9a-fA-F]{2})*$/;
// With the u flag a surrogate pair is one code point, so only lone surrogates match.
const LONE_SURROGATE = /[\ud800-\udfff]/u;

export function bytesToJson(b: Uint8Array): string {
  if (isUtf8(b)) return pythonString(utf8.decode(b));
  return `{"hex": "${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")}"}`;
}

/** The bytes of a parsed JSON `field` in either form; throws an Error whose message says why not. */
export function bytesFromJson(v: unknown, field: string): Buffer {
  if (typeof v === "string") {
    if (LONE_SURROGATE.test(v)) throw new Error(`"${field}" holds a lone surrogate, which is not Unicode text: use {"hex": ...}`);
    return Buffer.from(v, "utf8");
  }
  if (v === undefined) throw new Error(`no "${field}"`);
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const names = Object.keys(v);
    const hex = (v as { hex?: unknown }).hex;
    if (names.length === 1 && typeof hex === "string") {
      if (!HEX.test(hex)) throw new Error(`"${field}": "hex" must be an even number of hex digits`);
      return Buffer.from(hex, "hex");
    }
  }
  throw new Error(`"${field}" must be a string or {"hex": "..."}, got ${brief(v)}`);
}

function brief(v: unknown): string {
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
