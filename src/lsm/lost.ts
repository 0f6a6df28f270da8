// DIR/lost/: where the store and `wasm-lsm repair` put a file they must not use and cannot prove
// is garbage (FORMAT.md "Data directory"), as LevelDB's repairer does (db/repair.cc, ArchiveFile).
// Nothing reads lost/; its files are kept for a person to look at.

import { join } from "node:path";
import type { Env } from "./env.js";

export const LOST_DIR = "lost";

/**
 * Moves DIR/NAME to DIR/lost/NAME (NAME.1, NAME.2, ... when that is taken) and, when `durable`,
 * fsyncs both directories so the move survives a crash. Returns the new path relative to DIR.
 */
export function moveToLost(env: Env, dir: string, name: string, durable: boolean): string {
  const lost = join(dir, LOST_DIR);
  env.mkdir(lost);
  let target = name;
  for (let i = 1; env.size(join(lost, target)) !== null; i++) target = `${name}.${i}`;
  env.rename(join(dir, name), join(lost, target));
  if (durable) {
    env.syncDir(lost);
    env.syncDir(dir);
  }
  return `${LOST_DIR}/${target}`;
}
