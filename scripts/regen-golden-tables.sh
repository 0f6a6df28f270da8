#!/usr/bin/env bash
# Rewrites test/fixtures/tables/*.sst and *.layout.txt from the cases in
# test/sstable/golden-tables.test.ts. Only after a deliberate change to what we write: review the
# diff of the layout files, which say byte by byte what changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
UPDATE_GOLDEN=1 npx vitest run test/sstable/golden-tables.test.ts
