// Snappy block decompression in TypeScript: the twin of assembly/snappy.ts, whose header comment
// gives the grammar of the bytes (a varint32 length, then literal and copy elements). Same checks in
// the same order, so that for any input both paths give the same bytes or the same status. Also the
// parts both paths share: the status codes (mirrored from assembly/snappy.ts), the error they raise,
// and the preamble check the wasm host runs before it sizes its output.

import { decoded, getVarint32 } from "./coding.js";
import { KernelFormatError } from "./types.js";

/** Status codes shared by both paths (assembly/snappy.ts). */
export const SnappyStatus = {
  OK: 0,
  ERR_PREAMBLE: -1,
  ERR_TOO_LARGE: -2,
  ERR_EXPANSION: -3,
  ERR_LENGTH_MISMATCH: -4,
  ERR_LITERAL_PAST_INPUT: -5,
  ERR_COPY_PAST_INPUT: -6,
  ERR_COPY_OFFSET: -7,
  ERR_OUTPUT_OVERFLOW: -8,
  ERR_OUTPUT_UNDERFLOW: -9,
} as const;
export type SnappyStatus = (typeof SnappyStatus)[keyof typeof SnappyStatus];

/** The largest uncompressed length either path accepts (assembly/snappy.ts MAX_UNCOMPRESSED). */
export const SNAPPY_MAX_UNCOMPRESSED = 2 ** 30;

const CHECKS: Record<number, string> = {
  [SnappyStatus.ERR_PREAMBLE]: "length preamble is truncated or over 32 bits",
  [SnappyStatus.ERR_TOO_LARGE]: "uncompressed length is over 1 GiB",
  [SnappyStatus.ERR_EXPANSION]: "uncompressed length is more than the input can expand to",
  [SnappyStatus.ERR_LENGTH_MISMATCH]: "output size is not the preamble's length",
  [SnappyStatus.ERR_LITERAL_PAST_INPUT]: "literal runs past the input",
  [SnappyStatus.ERR_COPY_PAST_INPUT]: "copy's offset bytes run past the input",
  [SnappyStatus.ERR_COPY_OFFSET]: "copy offset is 0 or before the start of the output",
  [SnappyStatus.ERR_OUTPUT_OVERFLOW]: "an element writes past the uncompressed length",
  [SnappyStatus.ERR_OUTPUT_UNDERFLOW]: "input ends before the uncompressed length is produced",
};

/** Snappy bytes that break the format. The table layer adds the file and block offset. */
export class SnappyFormatError extends KernelFormatError {
  constructor(status: number) {
    super("Snappy block", status, CHECKS);
    this.name = "SnappyFormatError";
  }
}

/** Where the last preambleBytes() call left the uncompressed length. */
let preambleLength = 0;

/**
 * Decodes and checks the preamble (assembly/snappy.ts snappyDecompress, up to its element loop):
 * the length is a varint32, at most SNAPPY_MAX_UNCOMPRESSED, and at most 64/3 of the bytes after
 * the preamble (copy-2 at its longest: 3 bytes for 64). Returns the preamble's byte count; the
 * length is left in preambleLength. Throws SnappyFormatError.
 */
function preambleBytes(input: Uint8Array): number {
  const n = getVarint32(input, 0, input.length);
  if (n === 0) throw new SnappyFormatError(SnappyStatus.ERR_PREAMBLE);
  const length = decoded.value;
  if (length > SNAPPY_MAX_UNCOMPRESSED) throw new SnappyFormatError(SnappyStatus.ERR_TOO_LARGE);
  if (length * 3 > (input.length - n) * 64) throw new SnappyFormatError(SnappyStatus.ERR_EXPANSION);
  preambleLength = length;
  return n;
}

/** The uncompressed length of a Snappy block, after the preamble's checks. Throws SnappyFormatError. */
export function snappyUncompressedLength(input: Uint8Array): number {
  preambleBytes(input);
  return preambleLength;
}

/** Literals and copies up to this long move byte by byte; longer ones with set / copyWithin. */
const SHORT = 16;

/** Decompresses a raw Snappy block (assembly/snappy.ts snappyDecompress). Throws SnappyFormatError. */
export function snappyDecompressJs(input: Uint8Array): Uint8Array {
  let ip = preambleBytes(input);
  const length = preambleLength;
  const out = new Uint8Array(length);
  const end = input.length;
  let op = 0;
  while (ip < end) {
    const tag = input[ip++];
    const kind = tag & 3;
    if (kind === 0) {
      let lengthM1 = tag >>> 2; // length - 1, as the wasm twin keeps it
      if (lengthM1 >= 60) {
        const k = lengthM1 - 59;
        if (k > end - ip) throw new SnappyFormatError(SnappyStatus.ERR_LITERAL_PAST_INPUT);
        lengthM1 = readLE(input, ip, k);
        ip += k;
      }
      if (lengthM1 >= end - ip) throw new SnappyFormatError(SnappyStatus.ERR_LITERAL_PAST_INPUT);
      if (lengthM1 >= length - op) throw new SnappyFormatError(SnappyStatus.ERR_OUTPUT_OVERFLOW);
      const len = lengthM1 + 1;
      if (len <= SHORT) for (let i = 0; i < len; i++) out[op + i] = input[ip + i];
      else out.set(input.subarray(ip, ip + len), op);
      ip += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (ip >= end) throw new SnappyFormatError(SnappyStatus.ERR_COPY_PAST_INPUT);
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | input[ip];
      ip += 1;
    } else if (kind === 2) {
      if (end - ip < 2) throw new SnappyFormatError(SnappyStatus.ERR_COPY_PAST_INPUT);
      len = 1 + (tag >>> 2);
      offset = input[ip] | (input[ip + 1] << 8);
      ip += 2;
    } else {
      if (end - ip < 4) throw new SnappyFormatError(SnappyStatus.ERR_COPY_PAST_INPUT);
      len = 1 + (tag >>> 2);
      offset = readLE(input, ip, 4);
      ip += 4;
    }
    if (offset === 0 || offset > op) throw new SnappyFormatError(SnappyStatus.ERR_COPY_OFFSET);
    if (len > length - op) throw new SnappyFormatError(SnappyStatus.ERR_OUTPUT_OVERFLOW);
    copyMatch(out, op, offset, len);
    op += len;
  }
  if (op !== length) throw new SnappyFormatError(SnappyStatus.ERR_OUTPUT_UNDERFLOW);
  return out;
}

/** k (1..4) little-endian bytes at b[p], unsigned. */
function readLE(b: Uint8Array, p: number, k: number): number {
  let v = 0;
  for (let i = 0; i < k; i++) v += b[p + i] * 2 ** (8 * i);
  return v;
}

/**
 * Copies len bytes from offset back with byte-by-byte meaning. copyWithin moves memory as one
 * block (memmove), so an overlapping copy (offset < len) goes in rounds: the output repeats with
 * period offset, so each round may copy from the same start as much as has been written since it.
 */
function copyMatch(out: Uint8Array, op: number, offset: number, len: number): void {
  const from = op - offset;
  if (len <= SHORT) {
    for (let i = 0; i < len; i++) out[op + i] = out[from + i];
    return;
  }
  const end = op + len;
  while (op < end) {
    const chunk = Math.min(op - from, end - op);
    out.copyWithin(op, from, from + chunk);
    op += chunk;
  }
}
