// CRC32C (Castagnoli, reflected polynomial 0x82f63b78), slicing-by-8: eight 256-entry tables let one
// step fold 8 bytes with 8 table loads. mask/unmask are LevelDB's (FORMAT.md, "Block trailer"):
// a CRC stored inside data that is itself checksummed is masked so the two do not interact.
// The TypeScript twin is in src/kernels/js.ts.

const POLY: u32 = 0x82f63b78;
const MASK_DELTA: u32 = 0xa282ead8;

// table t, byte b is at TABLES + (t * 256 + b) * 4
const TABLES = memory.data(8 * 256 * 4, 64);

function initTables(): void {
  for (let b: u32 = 0; b < 256; b++) {
    let c = b;
    for (let j = 0; j < 8; j++) c = (c & 1) != 0 ? (c >> 1) ^ POLY : c >> 1;
    store<u32>(TABLES + (<usize>b << 2), c);
  }
  for (let t: usize = 1; t < 8; t++) {
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
  const end8 = ptr + (len & ~7);
  while (p < end8) {
    const lo = load<u32>(p) ^ c;
    const hi = load<u32>(p, 4);
    c = t(7, lo & 0xff) ^ t(6, (lo >> 8) & 0xff) ^ t(5, (lo >> 16) & 0xff) ^ t(4, lo >> 24) ^
        t(3, hi & 0xff) ^ t(2, (hi >> 8) & 0xff) ^ t(1, (hi >> 16) & 0xff) ^ t(0, hi >> 24);
    p += 8;
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
