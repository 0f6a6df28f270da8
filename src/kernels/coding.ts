// Varints and fixed-width little-endian integers as LevelDB's util/coding.h defines them
// (FORMAT.md, "Integers"). The wasm twins are in assembly/coding.ts. Decoders never read at or past
// `limit`; they return the bytes consumed, or 0 when the input is truncated, too long, or (for
// varint64) a value past Number.MAX_SAFE_INTEGER, which no offset or count of ours can reach.

/** Where the last successful decode left its value. */
export const decoded = { value: 0 };

/** Writes v (0 .. 2^32-1) at buf[p]; returns the bytes written. */
export function putVarint32(buf: Uint8Array, p: number, v: number): number {
  let n = 0;
  v >>>= 0;
  while (v >= 0x80) {
    buf[p + n++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[p + n++] = v;
  return n;
}

/** Writes v (0 .. 2^53-1) at buf[p]; returns the bytes written. */
export function putVarint64(buf: Uint8Array, p: number, v: number): number {
  let n = 0;
  while (v >= 0x80) {
    buf[p + n++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[p + n++] = v;
  return n;
}

function getVarint(buf: Uint8Array, p: number, limit: number, maxBytes: number): number {
  let result = 0;
  let scale = 1;
  for (let n = 0; n < maxBytes && p + n < limit; n++) {
    const b = buf[p + n];
    result += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (result > Number.MAX_SAFE_INTEGER) return 0;
      decoded.value = result;
      return n + 1;
    }
    scale *= 128;
  }
  return 0;
}

/** Decodes a varint32 at buf[p]; value in `decoded.value`. Returns bytes consumed or 0. */
export function getVarint32(buf: Uint8Array, p: number, limit: number): number {
  const n = getVarint(buf, p, limit, 5);
  return n !== 0 && decoded.value <= 0xffffffff ? n : 0;
}

/** Decodes a varint64 at buf[p]; value in `decoded.value`. Returns bytes consumed or 0. */
export function getVarint64(buf: Uint8Array, p: number, limit: number): number {
  return getVarint(buf, p, limit, 10);
}

export function encodeFixed32(buf: Uint8Array, p: number, v: number): void {
  buf[p] = v;
  buf[p + 1] = v >>> 8;
  buf[p + 2] = v >>> 16;
  buf[p + 3] = v >>> 24;
}

export function decodeFixed32(buf: Uint8Array, p: number): number {
  return (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)) >>> 0;
}
