#!/usr/bin/env bash
# `npm run soak`: the tests whose point is volume, at their full size (SOAK=1, test/support/soak.ts):
# 40 crash trials and 4 directories of repeated crashes, 10M keys through the wasm allocator, the
# differential properties at ten times their runs, the 4,000-key background-flush cross-check, and
# the store's metamorphic test at 1,500 sequences (x 4 option sets) instead of 50, and 48 + 24
# kill -9 trials during compactions instead of 8 + 4.
# `npm test` runs the same files smaller. Builds first like `npm test` (scripts/build-for-tests.sh),
# prints its wall time, and ends, as `npm test` does, with the line
# "Tests: N passed, N failed, N skipped" (test/summary-reporter.ts). Extra arguments go to vitest.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

FILES=(
  test/crash/crash.test.ts
  test/kernels/memory.test.ts
  test/kernels/differential.test.ts
  test/protocol/data.test.ts
  test/lsm/metamorphic.test.ts
  test/crash/compaction-crash.test.ts
)

start=$SECONDS
sh scripts/build-for-tests.sh || {
  echo "soak: the build failed"
  echo "Tests: 0 passed, 1 failed, 0 skipped"
  exit 1
}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
SOAK=1 node_modules/.bin/vitest run "${FILES[@]}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^Tests: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' | tail -n 1)
# vitest that dies before its reporters run prints no summary: count that as a failure
if [ -z "$summary" ]; then summary="Tests: 0 passed, 1 failed, 0 skipped"; [ "$status" -ne 0 ] || status=1; fi
echo
echo "soak: ${#FILES[@]} files at full size in $((SECONDS - start)) s (vitest exit status $status)"
echo "$summary"
exit "$status"
