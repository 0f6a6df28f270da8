// Reading a request body's fields for a handler: each reader returns the field, typed, or throws
// ProtocolError 12 (malformed request) whose text names the field, or the limit it passes
// (PROTOCOL.md section 4). Only own fields count (a body is a parsed JSON object).

import { ErrorCode, MAX_KEY_BYTES, MAX_VALUE_BYTES, MIN_KEY_BYTES, ProtocolError, type RequestBody } from "./protocol.js";

function field(body: RequestBody, name: string): unknown {
  return Object.hasOwn(body, name) ? body[name] : undefined;
}

function malformed(text: string): ProtocolError {
  return new ProtocolError(ErrorCode.MALFORMED_REQUEST, text);
}

export function requireString(body: RequestBody, name: string): string {
  const value = field(body, name);
  if (typeof value !== "string") throw malformed(`${name} is missing or not a string`);
  return value;
}

export function requireNonEmptyString(body: RequestBody, name: string): string {
  const value = requireString(body, name);
  if (value === "") throw malformed(`${name} is empty`);
  return value;
}

export function requireStringArray(body: RequestBody, name: string): string[] {
  const value = field(body, name);
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw malformed(`${name} is missing or not an array of strings`);
  }
  return value as string[];
}

/** An integer from `min` to `max` (at most 2^53 - 1). */
export function requireInt(body: RequestBody, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const value = optionalInt(body, name, min, max);
  if (value === undefined) throw malformed(`${name} is missing`);
  return value;
}

/** The text names the field's real range, whatever was wrong: a fraction, a string, too large. */
export function optionalInt(body: RequestBody, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const value = field(body, name);
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw malformed(`${name} is not an integer from ${min} to ${max}${sizeName(max)}`);
  }
  return value;
}

/** " (1 GiB)" for a bound that is a whole number of KiB, MiB or GiB above 1 KiB; else "". */
function sizeName(n: number): string {
  for (const [unit, bytes] of [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const) {
    if (n > 1024 && n % bytes === 0 && n / bytes < 1024) return ` (${n / bytes} ${unit})`;
  }
  return "";
}


/**
 * A key as UTF-8 bytes, encoded once (ARCHITECTURE.md "The WebAssembly boundary"): valid Unicode, MIN_KEY_BYTES to
 * MAX_KEY_BYTES long. `min` 0 allows the empty string (a scan bound).
 */
export function requireKey(body: RequestBody, name = "key", min = MIN_KEY_BYTES): Uint8Array {
  const key = unicodeBytes(body, name);
  if (key.length < min || key.length > MAX_KEY_BYTES) {
    throw malformed(`${name} is ${key.length} bytes of UTF-8; the key limit is ${min} to ${MAX_KEY_BYTES} bytes (16 KiB)`);
  }
  return key;
}

/** A value as UTF-8 bytes: valid Unicode, at most MAX_VALUE_BYTES long. */
export function requireValue(body: RequestBody, name = "value"): Uint8Array {
  const value = unicodeBytes(body, name);
  if (value.length > MAX_VALUE_BYTES) {
    throw malformed(`${name} is ${value.length} bytes of UTF-8; the value limit is ${MAX_VALUE_BYTES} bytes (4 MiB)`);
  }
  return value;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A string field as UTF-8, refusing lone surrogates. Measured per put: short ASCII strings (most
 * keys) are cheapest copied byte by byte into a small on-heap Uint8Array; longer ones through
 * Buffer.from, pooled: a Uint8Array of over 64 bytes is allocated off-heap, at ~0.5 us. A
 * string encodes to as many bytes as it has UTF-16 units only when it is all ASCII; any other is
 * checked for lone surrogates, which Buffer.from (like TextEncoder) would turn into U+FFFD.
 */
function unicodeBytes(body: RequestBody, name: string): Uint8Array {
  const text = requireString(body, name);
  if (text.length <= ASCII_COPY_MAX) {
    const out = new Uint8Array(text.length);
    let i = 0;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      out[i] = c;
    }
    if (i === text.length) return out;
  }
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length === text.length) return bytes;
  const lone = LONE_SURROGATE.exec(text);
  if (lone !== null) throw malformed(`${name} is not valid Unicode: lone surrogate at index ${lone.index}`);
  return bytes;
}

/** Up to this many UTF-16 units, an ASCII string is copied by hand (see unicodeBytes). */
const ASCII_COPY_MAX = 64;
