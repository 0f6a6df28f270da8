// What tape needs of Node in the suite's worker (esbuild's `inject`, scripts/build-store-web.mjs):
// `process` (its env, nextTick, cwd), from the `process` package's browser shim.
export { default as process } from "process/browser.js";
