#!/bin/sh
# What `npm test` needs built (package.json "pretest"), and nothing it does not:
# - build/kernels.wasm, the release target of asconfig.json: the only module the tests and the CLI
#   load (src/kernels/node.ts). The debug target is for debugging the kernels: `npm run build:wasm`
#   (and `npm run build`, which packaging runs) still builds both.
# - dist/ from one `tsc -p tsconfig.json`: the same compiler options as `npm run build:ts`
#   (tsconfig.build.json extends it), so it emits the same dist/src and dist/bench the tests run,
#   and it type-checks test/ in the same pass (it also emits dist/test, which nothing runs). One
#   compile instead of `build:ts` and then `typecheck` parsing src/ and bench/ a second time.
#   dist/src is emptied first, as `build:ts` does (scripts/clear-dist-src.mjs).
# Each step is skipped when its output is newer than every file it is made from; a step that fails
# leaves nothing marked up to date.
set -eu
cd "$(dirname "$0")/.."
bin=node_modules/.bin

# changed_since OUTPUT INPUT...: true when OUTPUT is missing or a file under an INPUT is newer.
changed_since() {
  output=$1
  shift
  [ ! -e "$output" ] || [ -n "$(find "$@" -newer "$output" -print | head -n 1)" ]
}

if changed_since build/kernels.wasm assembly asconfig.json package-lock.json; then
  # a failed build leaves no output to look up to date next time
  "$bin/asc" assembly/index.ts --target release || { rm -f build/kernels.wasm; exit 1; }
else
  echo "pretest: build/kernels.wasm is up to date"
fi

stamp=dist/.built-for-tests
if changed_since "$stamp" src bench test tsconfig.json package-lock.json; then
  mkdir -p dist
  rm -f "$stamp"
  # stamped before compiling: a source saved while tsc runs is newer than the stamp
  touch "$stamp.next"
  # tsc only adds and overwrites: the output of a removed source would stay (and be packed)
  rm -rf dist/src
  "$bin/tsc" -p tsconfig.json
  mv "$stamp.next" "$stamp"
else
  echo "pretest: dist/ is up to date and type-checked"
fi
