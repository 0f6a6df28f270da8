// Keys and values as JSON, binary-safe, for `sst write` (in) and `sst dump` / `sst get` (out):
//
//   bytes that are valid UTF-8  ->  a JSON string                   "caf\u00e9"
//   any other bytes             ->  {"hex": "<lowercase hex>"}      {"hex": "ff00"}
//
// bytesToJson here and bytesFromJson (sst-input.ts, Node-free for the web page) are the pair. The
// text is what Python's json.dumps prints (ASCII only, ", " and ": " separators), as every JSON
// line wasm-lsm prints is (PROTOCOL.md section 2). Input takes either form for any bytes, and hex
// in either case.

import { isUtf8 } from "node:buffer";
import { pythonString } from "../node/json.js";

// ignoreBOM: a key that starts with U+FEFF keeps it (the default decoder would drop it).
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

export function bytesToJson(b: Uint8Array): string {
  if (isUtf8(b)) return pythonString(utf8.decode(b));
  return `{"hex": "${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")}"}`;
}
