// Key orders (FORMAT.md, "Keys"). BYTEWISE is LevelDB's BytewiseComparator: unsigned bytes, then
// length. INTERNAL orders internal keys (user key + 8-byte trailer holding sequence << 8 | type,
// little endian): user key bytewise ascending, then trailer descending, so newer entries come first.
// The TypeScript twin is compareKeys in src/kernels/js.ts.

export const BYTEWISE: u32 = 0;
export const INTERNAL: u32 = 1;

export function compareBytes(a: usize, alen: usize, b: usize, blen: usize): i32 {
  const n = alen < blen ? alen : blen;
  let i: usize = 0;
  while (i + 8 <= n) {
    const x = load<u64>(a + i);
    const y = load<u64>(b + i);
    if (x != y) {
      const shift = ctz<u64>(x ^ y) & ~7; // first differing byte, in little-endian lane order
      return <i32>((x >> shift) & 0xff) - <i32>((y >> shift) & 0xff);
    }
    i += 8;
  }
  while (i < n) {
    const d = <i32>load<u8>(a + i) - <i32>load<u8>(b + i);
    if (d != 0) return d;
    i++;
  }
  return alen < blen ? -1 : alen > blen ? 1 : 0;
}

export function compareKeys(a: usize, alen: usize, b: usize, blen: usize, mode: u32): i32 {
  if (mode == BYTEWISE || alen < 8 || blen < 8) return compareBytes(a, alen, b, blen);
  const c = compareBytes(a, alen - 8, b, blen - 8);
  if (c != 0) return c;
  const ta = load<u64>(a + alen - 8);
  const tb = load<u64>(b + blen - 8);
  return ta > tb ? -1 : ta < tb ? 1 : 0;
}
