// DIR/lost/: where the store and `wasm-lsm repair` put a file they must not use and cannot prove
// is garbage (FORMAT.md "Data directory"), as LevelDB's repairer does (db/repair.cc, ArchiveFile).
// Nothing reads lost/; its files are kept for a person to look at.

import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { syncDir } from "./files.js";

export const LOST_DIR = "lost";

/**
 * Moves DIR/NAME to DIR/lost/NAME (NAME.1, NAME.2, ... when that is taken) and, when `durable`,
 * fsyncs both directories so the move survives a crash. Returns the new path relative to DIR.
 */
export function moveToLost(dir: string, name: string, durable: boolean): string {
  const lost = join(dir, LOST_DIR);
  mkdirSync(lost, { recursive: true });
  let target = name;
  for (let i = 1; existsSync(join(lost, target)); i++) target = `${name}.${i}`;
  renameSync(join(dir, name), join(lost, target));
  if (durable) {
    syncDir(lost);
    syncDir(dir);
  }
  return `${LOST_DIR}/${target}`;
}
