#!/usr/bin/env bash
# Regenerates test/fixtures/xxh3/vectors.json: XXH3-64 (seed 0, default secret) golden values from
# the reference implementation's command-line tool, xxhsum (Debian: apt-get install xxhash; its
# -H3 is XXH3_64bits, whose output is frozen since xxHash 0.8.0). Checked by
# test/sstable/xxh3.test.ts against src/sstable/xxh3.ts.
# Input of length n: the first n bytes of a fixed xorshift32 byte stream (described in the JSON).
# Lengths: 0..300 (every short and medium size class and their edges), then long inputs around the
# 64-byte stripe and 1024-byte block boundaries.
# Needs node (to write the inputs) and xxhsum. Deterministic.
# Usage: scripts/regen-xxh3-vectors.sh [OUT.json]   (default: the committed fixture)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(realpath -m "${1:-$root/test/fixtures/xxh3/vectors.json}")"

command -v xxhsum >/dev/null || { echo "xxhsum not found (Debian: apt-get install xxhash)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

lengths=($(seq 0 300) 1000 1023 1024 1025 1087 1088 1089 2048 2049 4096 10000 16384 100000)
pattern='x = 0x9e3779b9 (u32); for each byte: x ^= x << 13; x ^= x >>> 17; x ^= x << 5 (all mod 2^32); byte = x >>> 24'

# One file per length, named by it.
node -e '
  const fs = require("node:fs");
  const [dir, ...lengths] = process.argv.slice(1);
  const max = Math.max(...lengths.map(Number));
  const stream = new Uint8Array(max);
  let x = 0x9e3779b9;
  for (let i = 0; i < max; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    stream[i] = x >>> 24;
  }
  for (const n of lengths) fs.writeFileSync(`${dir}/${n}`, stream.subarray(0, Number(n)));
' "$tmp" "${lengths[@]}"

# BSD-style lines, one per file in argument order: "XXH3 (<length>) = <16 hex digits>"
(cd "$tmp" && xxhsum -H3 --tag "${lengths[@]}") > "$tmp/sums"

{
  printf '{\n'
  printf '  "generator": "scripts/regen-xxh3-vectors.sh (xxhsum -H3 --tag)",\n'
  printf '  "hash": "XXH3_64bits, seed 0, default 192-byte secret; hex as xxhsum prints it (the u64, most significant digit first)",\n'
  printf '  "input": "input of length n = the first n bytes of the stream: %s",\n' "$pattern"
  printf '  "vectors": [\n'
  sed -E 's/^XXH3 \(([0-9]+)\) = ([0-9a-f]{16})$/    [\1, "\2"],/; t; s/^/BAD LINE: /' "$tmp/sums" | sed '$ s/,$//'
  printf '  ]\n}\n'
} > "$tmp/vectors.json"

if grep -q 'BAD LINE' "$tmp/vectors.json" || [ "$(grep -c '^    \[' "$tmp/vectors.json")" -ne "${#lengths[@]}" ]; then
  echo "unexpected xxhsum output:" >&2
  cat "$tmp/sums" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
mv "$tmp/vectors.json" "$out"
echo "wrote $out"
