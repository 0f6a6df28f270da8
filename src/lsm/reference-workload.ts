// The reference workload (PROTOCOL.md, sstable_flush): what an ephemeral store with an empty
// MemTable loads when asked to flush N bytes, as the course task's samples assume. Deterministic:
// keys user:0, user:1, ... with values `value-<i>-` padded with "x" to 58 bytes, except the
// sample's record user:42 = "Alice", added until the MemTable's footprint (memtable.ts: key +
// value + 16 bytes per entry) reaches N. 4 MiB gives 50,066 entries.

export const REFERENCE_VALUE_BYTES = 58;

export function* referenceWorkload(): Generator<[string, string]> {
  for (let i = 0; ; i++) {
    yield [`user:${i}`, i === 42 ? "Alice" : `value-${i}-`.padEnd(REFERENCE_VALUE_BYTES, "x")];
  }
}
