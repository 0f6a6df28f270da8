// The names that lead to a store's version (LevelDB's db/filename.cc): CURRENT, a one-line file
// naming the live manifest, and MANIFEST-NNNNNN (FORMAT.md "Manifest (version edits)"). LevelDB
// names them the same way, so both the store (manifest.ts) and the reader of LevelDB's own
// directories (leveldb-directory.ts) parse them here. No file I/O, nothing of Node: a browser runs it.

import { CorruptionError } from "../sstable/errors.js";

export const CURRENT = "CURRENT";

export const manifestName = (n: number) => `MANIFEST-${String(n).padStart(6, "0")}`;

/** The number of a manifest's name, or null unless it is exactly manifestName(n). */
export function manifestNumberOf(name: string): number | null {
  const m = /^MANIFEST-([0-9]{6,})$/.exec(name);
  if (m === null) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && manifestName(n) === name ? n : null;
}

/**
 * The manifest CURRENT's bytes name (read from `path`): a manifest's name and a newline, as
 * LevelDB's SetCurrentFile writes it; anything else is a CorruptionError.
 */
export function parseCurrent(bytes: Uint8Array, path: string): { readonly name: string; readonly number: number } {
  const text = new TextDecoder().decode(bytes);
  const name = text.endsWith("\n") ? text.slice(0, -1) : null;
  const number = name === null ? null : manifestNumberOf(name);
  if (name === null || number === null) throw new CorruptionError(path, 0, `CURRENT does not hold a manifest's name and a newline: ${JSON.stringify(text.slice(0, 40))}`);
  return { name, number };
}
