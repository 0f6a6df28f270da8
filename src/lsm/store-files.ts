// The names of a store's files (FORMAT.md "Data directory"): tables L<level>_<n>.sst, logs
// NNNNNN.log, MANIFEST-NNNNNN and CURRENT (manifest.ts), STATS (store-stats.ts), LOCK, and the
// NAME.tmp of each file written atomically. Parsing is strict: a name that is not exactly one the
// store writes is not taken for one.

import { CURRENT, manifestNumberOf } from "./manifest.js";
import { LEGACY_MANIFEST } from "./legacy-manifest.js";
import { STATS } from "./store-stats.js";

const LOG_SUFFIX = ".log";
/** What a table's name looks like: L<level>_<n>.sst, n of three digits or more; nothing else. */
export const TABLE_NAME = /^L[0-9]+_[0-9]{3,}\.sst$/;

export const tableName = (level: number, n: number) => `L${level}_${String(n).padStart(3, "0")}.sst`;
export const logName = (n: number) => `${String(n).padStart(6, "0")}${LOG_SUFFIX}`;

/**
 * The level and number of a table's name, or null unless it is exactly tableName(level, number)
 * of safe integers: "L0_0001.sst" or "L0_99999999999999999.sst" are not this store's names.
 */
export function parseTableName(name: string): { level: number; number: number } | null {
  const m = /^L([0-9]+)_([0-9]{3,})\.sst$/.exec(name);
  if (m === null) return null;
  const [level, number] = [Number(m[1]), Number(m[2])];
  return Number.isSafeInteger(level) && Number.isSafeInteger(number) && tableName(level, number) === name ? { level, number } : null;
}

export const tableNumberOf = (name: string): number | null => parseTableName(name)?.number ?? null;

/** A log's number, or null unless the name is exactly logName(n) of a safe integer n. */
export function logNumberOf(name: string): number | null {
  const m = /^([0-9]{6,})\.log$/.exec(name);
  if (m === null) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && logName(n) === name ? n : null;
}

/** A NAME.tmp of a table, CURRENT, STATS or the 0.1 MANIFEST: written, never renamed into place (files.ts). */
export const isStoreTemp = (name: string): boolean => {
  if (!name.endsWith(".tmp")) return false;
  const base = name.slice(0, -".tmp".length);
  return base === CURRENT || base === STATS || base === LEGACY_MANIFEST || tableNumberOf(base) !== null;
};

/** A manifest of the edit-log format (manifest.ts). */
export const isManifestName = (name: string): boolean => manifestNumberOf(name) !== null;

/** Named like a table, a log or their .tmp, though not exactly a store's name: worth a log line. */
export const looksLikeStoreFile = (name: string): boolean => /\.(sst|log)(\.tmp)?$/.test(name) && !isStoreTemp(name);
