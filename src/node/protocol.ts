// The stdio protocol's vocabulary (PROTOCOL.md sections 2 and 4): error codes, limits, the request
// envelope and how one input line becomes a request or a rejection, and the reply line.
//
// Envelope rules (ours, where PROTOCOL.md is silent):
// - A line is UTF-8 (strictly decoded: a line that is not valid UTF-8 is not a message).
// - A message is a JSON object with `src` and `dest` strings and a `body` object whose `type` is a
//   string and whose `msg_id` is an integer from 0 to 2^53 - 1 (MAX_MSG_ID). Larger ids cannot be
//   echoed exactly as `in_reply_to` by a JS number, so they are refused. JSON.parse gives no way to
//   tell `1.0` or `1e0` from `1`; such ids are accepted as the integer they equal. A request
//   without `msg_id` is not a message (no reply can refer to it).
// - Reply address of a line that is not a message: it "carries a usable src and body.msg_id" when
//   `src` is a string and `body.msg_id` passes the rule above, read from the parsed object, or for
//   text that is not JSON (or the head of a line over MAX_LINE_BYTES) salvaged by salvage.ts.
// - Reply `src`: the node id from init; before init the request's `dest`, and when that is not
//   usable either, "" (as Maelstrom's own nodes do before init).

import { pythonJson, pythonNumber, pythonString } from "./json.js";
import { salvageFields } from "./salvage.js";

/** Maelstrom's error codes, as PROTOCOL.md section 4 uses them. */
export const ErrorCode = {
  NOT_SUPPORTED: 10,
  TEMPORARILY_UNAVAILABLE: 11,
  MALFORMED_REQUEST: 12,
  CRASH: 13,
  KEY_DOES_NOT_EXIST: 20,
  CORRUPTION: 1000,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Limits (PROTOCOL.md section 4); passing one gets error 12 whose text names it. */
export const MIN_KEY_BYTES = 1;
export const MAX_KEY_BYTES = 16 * 1024;
export const MAX_VALUE_BYTES = 4 * 1024 * 1024;
/** Bytes of a line without its "\n" or "\r\n" terminator. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;
export const MAX_MSG_ID = Number.MAX_SAFE_INTEGER;

export interface RequestBody {
  readonly type: string;
  readonly msg_id: number;
  readonly [field: string]: unknown;
}

export interface Request {
  readonly src: string;
  readonly dest: string;
  readonly body: RequestBody;
}

/** What a handler returns: the reply's `type`, then its payload fields in wire order. */
export interface ReplyPayload {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** Where a reply goes: the parts of a request (whole or salvaged) that address it. */
export interface ReplyTarget {
  readonly src: string;
  readonly dest: string | undefined;
  readonly msgId: number;
}

/** Thrown by handlers: becomes an error reply with this code and text; the node goes on. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  constructor(
    readonly code: ErrorCode,
    readonly text: string,
  ) {
    super(text);
  }
}

export function errorPayload(code: ErrorCode, text: string): ReplyPayload {
  return { type: "error", code, text };
}

/** One input line that is not a request: why, and where an error 12 goes (null: no reply). */
export interface Rejection {
  readonly ok: false;
  /** Stable, short; the text of the error 12 reply. */
  readonly reason: string;
  /** Extra detail for the log only (a parser message, a byte count). */
  readonly detail?: string;
  readonly target: ReplyTarget | null;
}

export type ParsedLine = { readonly ok: true; readonly request: Request } | Rejection;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Whether a line (terminator removed) holds only JSON whitespace: such lines are ignored. */
export function isBlankLine(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  }
  return true;
}

/** A non-blank line of at most MAX_LINE_BYTES as a request, or why it is not one. */
export function parseLine(bytes: Uint8Array): ParsedLine {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    const lossy = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
    return { ok: false, reason: "line is not valid UTF-8", target: targetOfText(lossy) };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: "line is not JSON", detail: String((err as Error).message), target: salvageTarget(text, false) };
  }
  return validateEnvelope(value);
}

/** A line over MAX_LINE_BYTES, of which only the head was kept. */
export function rejectOverlong(length: number, head: Uint8Array): Rejection {
  const headText = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString("utf8");
  return {
    ok: false,
    reason: `line is over the line limit of ${MAX_LINE_BYTES} bytes (8 MiB)`,
    detail: `${length} bytes`,
    target: salvageTarget(headText, true),
  };
}

function targetOfText(text: string): ReplyTarget | null {
  try {
    return targetOf(JSON.parse(text));
  } catch {
    return salvageTarget(text, false);
  }
}

export function validateEnvelope(value: unknown): ParsedLine {
  const reject = (reason: string): Rejection => ({ ok: false, reason, target: targetOf(value) });
  if (!isRecord(value)) return reject("message is not a JSON object");
  const src = ownField(value, "src");
  const dest = ownField(value, "dest");
  const body = ownField(value, "body");
  if (typeof src !== "string") return reject("src is missing or not a string");
  if (typeof dest !== "string") return reject("dest is missing or not a string");
  if (!isRecord(body)) return reject("body is missing or not an object");
  const type = ownField(body, "type");
  if (typeof type !== "string") return reject("body.type is missing or not a string");
  if (!isMsgId(ownField(body, "msg_id"))) return reject(`body.msg_id is missing or not an integer from 0 to ${MAX_MSG_ID}`);
  return { ok: true, request: { src, dest, body: body as RequestBody } };
}

/** The reply address of a parsed value that may not be a valid message. */
export function targetOf(value: unknown): ReplyTarget | null {
  if (!isRecord(value)) return null;
  const src = ownField(value, "src");
  const dest = ownField(value, "dest");
  const body = ownField(value, "body");
  if (typeof src !== "string" || !isRecord(body)) return null;
  const msgId = ownField(body, "msg_id");
  if (!isMsgId(msgId)) return null;
  return { src, dest: typeof dest === "string" ? dest : undefined, msgId };
}

/** The reply address salvaged from text that is not a whole message (see salvage.ts). */
export function salvageTarget(text: string, truncated: boolean): ReplyTarget | null {
  const { src, dest, msgId } = salvageFields(text, truncated);
  return src !== undefined && isMsgId(msgId) ? { src, dest, msgId } : null;
}

export function targetOfRequest(request: Request): ReplyTarget {
  return { src: request.src, dest: request.dest, msgId: request.body.msg_id };
}

export function isMsgId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A field of a parsed JSON object: own fields only (a key like "toString" is not inherited). */
function ownField(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * The reply line (no newline): `{"src": from, "dest": target.src, "body": {"type", "in_reply_to",
 * payload fields in order, "msg_id"}}`. Throws a TypeError when the payload cannot be a body
 * (reserved field, non-JSON value): a bug of the handler that built it.
 */
export function formatReply(from: string, target: ReplyTarget, payload: ReplyPayload, msgId: number): string {
  const { type } = payload;
  if (typeof type !== "string") throw new TypeError("reply payload has no string type");
  // Written out field by field rather than as one object for pythonJson: the same text, without
  // building and walking two objects per reply (a tenth of a put's time).
  let body = "";
  for (const key of Object.keys(payload)) {
    if (key === "type") continue;
    if (key === "in_reply_to" || key === "msg_id") throw new TypeError(`reply payload sets the reserved field ${key}`);
    body += `, ${pythonString(key)}: ${pythonJson(payload[key])}`;
  }
  return `${replyHead(from, target.src, type)}${pythonNumber(target.msgId)}${body}, "msg_id": ${pythonNumber(msgId)}}}`;
}

/**
 * `{"src": from, "dest": to, "body": {"type": type, "in_reply_to": `, remembered for the last
 * (from, to, type): a run of replies to one client's puts escapes the same three strings.
 */
function replyHead(from: string, to: string, type: string): string {
  const last = lastHead;
  if (last.from === from && last.to === to && last.type === type) return last.text;
  const text = `{"src": ${pythonString(from)}, "dest": ${pythonString(to)}, "body": {"type": ${pythonString(type)}, "in_reply_to": `;
  lastHead = { from, to, type, text };
  return text;
}

let lastHead = { from: "", to: "", type: "", text: "" };
