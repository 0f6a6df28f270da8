// Keys and values of the `wasm-lsm db` commands, in (operands and --from/--to) and out (JSON lines).
//
//   default  in: the operand's UTF-8 bytes       out: as `sst dump` prints them (sst-json.ts): a
//                                                     JSON string when the bytes are UTF-8, else
//                                                     {"hex": "..."}, so no byte is lost
//   --hex    in: hex digits, either case          out: a JSON string of lowercase hex digits
//
// The default output is `sst write`'s input: `db dump DIR | sst write OUT.sst` makes a table of
// the store's live entries.

import { UsageError } from "../node/options.js";
import { bytesToJson } from "./sst-json.js";

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** How keys and values are given and printed. */
export type Encoding = "utf8" | "hex";

export const encodingOf = (hex: boolean | string | undefined): Encoding => (hex === true ? "hex" : "utf8");

/** The bytes of an operand or flag value; `what` names it in the usage error (KEY, VALUE, --from). */
export function bytesOperand(text: string, encoding: Encoding, what: string): Buffer {
  if (encoding === "utf8") return Buffer.from(text, "utf8");
  if (!HEX.test(text)) throw new UsageError(`--hex: ${what} must be an even number of hex digits, got ${JSON.stringify(text)}`);
  return Buffer.from(text, "hex");
}

/** The JSON text of a key or value. */
export function bytesOut(b: Uint8Array, encoding: Encoding): string {
  if (encoding === "utf8") return bytesToJson(b);
  return `"${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")}"`;
}

/** One entry's line: {"key": K, "value": V}. */
export function entryLine(key: Uint8Array, value: Uint8Array, encoding: Encoding): string {
  return `{"key": ${bytesOut(key, encoding)}, "value": ${bytesOut(value, encoding)}}\n`;
}
