#!/usr/bin/env bash
# Regenerates test/fixtures/foreign/: table files written by the REAL LevelDB
# and RocksDB (leveldb-snappy.ldb, leveldb-nocompress.ldb, rocksdb-v0.sst,
# rocksdb-v5.sst) and their manifest tables.json.
# Needs (Debian): apt-get install g++ libleveldb-dev librocksdb-dev libsnappy-dev
# Compiles test/fixtures/foreign/gen_tables.cc into a temp dir and runs it.
# Deterministic: running it twice gives byte-identical files (with the same
# LevelDB/RocksDB versions; see the header of gen_tables.cc).
# Usage: scripts/regen-foreign-fixtures.sh [OUT_DIR]   (default: the committed fixtures)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(realpath -m "${1:-$root/test/fixtures/foreign}")"
cd "$root"

src=test/fixtures/foreign/gen_tables.cc

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

g++ -std=c++17 -O1 -Wall -Wextra -o "$tmp/gen_tables" "$src" \
  -lleveldb -lrocksdb -lsnappy -lpthread
"$tmp/gen_tables" "$out"

echo "wrote $out"
