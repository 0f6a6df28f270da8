#!/usr/bin/env bash
# Regenerates test/fixtures/leveldb/blocks.json: golden LevelDB block bytes
# produced by the real LevelDB (Debian: apt-get install g++ libleveldb-dev).
# Compiles test/fixtures/leveldb/gen_blocks.cc into a temp dir and runs it.
# Deterministic: running it twice gives identical output.
# Usage: scripts/regen-leveldb-fixtures.sh [OUT.json]   (default: the committed fixture)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(realpath -m "${1:-$root/test/fixtures/leveldb/blocks.json}")"
cd "$root"

src=test/fixtures/leveldb/gen_blocks.cc

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

g++ -std=c++17 -O1 -Wall -Wextra -o "$tmp/gen_blocks" "$src" -lleveldb
"$tmp/gen_blocks" "$out.tmp" "$tmp"
mv "$out.tmp" "$out"

echo "wrote $out"
