// node:fs for the browser bundles: every function throws (unavailable.ts says why none is called).
// An engine module that imports another name fails the bundle's build ("No matching export"): add it here.
import { unavailable } from "./unavailable.js";

export const closeSync = unavailable("node:fs closeSync");
export const existsSync = unavailable("node:fs existsSync");
export const fstatSync = unavailable("node:fs fstatSync");
export const fsync = unavailable("node:fs fsync");
export const fsyncSync = unavailable("node:fs fsyncSync");
export const ftruncateSync = unavailable("node:fs ftruncateSync");
export const linkSync = unavailable("node:fs linkSync");
export const lstatSync = unavailable("node:fs lstatSync");
export const mkdirSync = unavailable("node:fs mkdirSync");
export const mkdtempSync = unavailable("node:fs mkdtempSync");
export const openSync = unavailable("node:fs openSync");
export const readdirSync = unavailable("node:fs readdirSync");
export const readFileSync = unavailable("node:fs readFileSync");
export const readlinkSync = unavailable("node:fs readlinkSync");
export const readSync = unavailable("node:fs readSync");
export const realpathSync = unavailable("node:fs realpathSync");
export const renameSync = unavailable("node:fs renameSync");
export const rmdirSync = unavailable("node:fs rmdirSync");
export const rmSync = unavailable("node:fs rmSync");
export const statSync = unavailable("node:fs statSync");
export const writeFileSync = unavailable("node:fs writeFileSync");
export const writeSync = unavailable("node:fs writeSync");
