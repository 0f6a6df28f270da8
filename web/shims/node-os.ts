// node:os for the browser bundles (unavailable.ts).
import { unavailable } from "./unavailable.js";

export const tmpdir = unavailable("node:os tmpdir");
