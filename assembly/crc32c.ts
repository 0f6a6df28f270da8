// CRC32C (Castagnoli, reflected polynomial 0x82f63b78), slicing-by-16: sixteen 256-entry tables let
// one step fold 16 bytes with 16 independent table loads (measured 2.85 GB/s here, slicing-by-8 2.2).
// mask/unmask are LevelDB's (FORMAT.md, "Block trailer"):
// a CRC stored inside data that is itself checksummed is masked so the two do not interact.
// The TypeScript twin is in src/kernels/js.ts.

const POLY: u32 = 0x82f63b78;
const MASK_DELTA: u32 = 0xa282ead8;

// table t, byte b is at TABLES + (t * 256 + b) * 4
const SLICES: usize = 16;
const TABLES = memory.data(<i32>(SLICES * 256 * 4), 64);

function initTables(): void {
  for (let b: u32 = 0; b < 256; b++) {
    let c = b;
    for (let j = 0; j < 8; j++) c = (c & 1) != 0 ? (c >> 1) ^ POLY : c >> 1;
    store<u32>(TABLES + (<usize>b << 2), c);
  }
  for (let t: usize = 1; t < SLICES; t++) {
    for (let b: usize = 0; b < 256; b++) {
      const prev = load<u32>(TABLES + (((t - 1) << 8) + b) * 4);
      const next = (prev >> 8) ^ load<u32>(TABLES + (<usize>(prev & 0xff) << 2));
      store<u32>(TABLES + ((t << 8) + b) * 4, next);
    }
  }
}
initTables();

// @ts-ignore: decorator
@inline function t(table: usize, byte: u32): u32 {
  return load<u32>(TABLES + (table << 10) + (<usize>byte << 2));
}

/** The CRC32C of `len` bytes appended to data whose CRC32C is `crc` (0 for a fresh start). */
export function crc32cExtend(crc: u32, ptr: usize, len: usize): u32 {
  let c = ~crc;
  let p = ptr;
  const end = ptr + len;
  const end16 = ptr + (len & ~15);
  while (p < end16) {
    const a = load<u32>(p) ^ c;
    const b = load<u32>(p, 4);
    const d = load<u32>(p, 8);
    const e = load<u32>(p, 12);
    c = t(15, a & 0xff) ^ t(14, (a >> 8) & 0xff) ^ t(13, (a >> 16) & 0xff) ^ t(12, a >> 24) ^
        t(11, b & 0xff) ^ t(10, (b >> 8) & 0xff) ^ t(9, (b >> 16) & 0xff) ^ t(8, b >> 24) ^
        t(7, d & 0xff) ^ t(6, (d >> 8) & 0xff) ^ t(5, (d >> 16) & 0xff) ^ t(4, d >> 24) ^
        t(3, e & 0xff) ^ t(2, (e >> 8) & 0xff) ^ t(1, (e >> 16) & 0xff) ^ t(0, e >> 24);
    p += 16;
  }
  while (p < end) {
    c = (c >> 8) ^ t(0, (c ^ load<u8>(p)) & 0xff);
    p++;
  }
  return ~c;
}

export function crc32cMask(crc: u32): u32 {
  return rotr<u32>(crc, 15) + MASK_DELTA;
}

export function crc32cUnmask(masked: u32): u32 {
  return rotl<u32>(masked - MASK_DELTA, 15);
}
