// node:url for the browser bundles (unavailable.ts).
import { unavailable } from "./unavailable.js";

export const fileURLToPath = unavailable("node:url fileURLToPath");
export const pathToFileURL = unavailable("node:url pathToFileURL");
