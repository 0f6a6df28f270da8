// Removes dist/src before `npm run build:ts` compiles it again (package.json "build:ts"). tsc only
// ever adds and overwrites: without this, the output of a source file since removed or renamed
// would stay in dist/src, and `npm pack` ("files": dist/src) would ship it. Also removes the stamp
// of the build `npm test` runs first (scripts/build-for-tests.sh), whose dist/src this was: should
// the compile that follows fail, the next `npm test` compiles again rather than run a half-emptied
// dist. A node script rather than `rm -rf`, so the npm script runs on any shell.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
rmSync(join(root, "dist", ".built-for-tests"), { force: true });
rmSync(join(root, "dist", "src"), { recursive: true, force: true });
