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

/** An integer from `min` to 2^53 - 1. */
export function requireInt(body: RequestBody, name: string, min = 0): number {
  const value = optionalInt(body, name, min);
  if (value === undefined) throw malformed(`${name} is missing`);
  return value;
}

export function optionalInt(body: RequestBody, name: string, min = 0): number | undefined {
  const value = field(body, name);
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw malformed(`${name} is not an integer from ${min} to ${Number.MAX_SAFE_INTEGER}`);
  }
  return value;
}

/** A key: valid Unicode, MIN_KEY_BYTES to MAX_KEY_BYTES of UTF-8. */
export function requireKey(body: RequestBody, name = "key"): string {
  const key = requireUnicode(body, name);
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
    throw malformed(`${name} is ${bytes} bytes of UTF-8; the key limit is ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes (16 KiB)`);
  }
  return key;
}

/** A value: valid Unicode, at most MAX_VALUE_BYTES of UTF-8. */
export function requireValue(body: RequestBody, name = "value"): string {
  const value = requireUnicode(body, name);
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > MAX_VALUE_BYTES) {
    throw malformed(`${name} is ${bytes} bytes of UTF-8; the value limit is ${MAX_VALUE_BYTES} bytes (4 MiB)`);
  }
  return value;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function requireUnicode(body: RequestBody, name: string): string {
  const text = requireString(body, name);
  const lone = LONE_SURROGATE.exec(text);
  if (lone !== null) throw malformed(`${name} is not valid Unicode: lone surrogate at index ${lone.index}`);
  return text;
}
