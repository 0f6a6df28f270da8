// The refusal to start a directory that holds a store's files but no MANIFEST: starting would
// treat its tables as leftovers. A CorruptionError (the directory is damaged), so the node's
// start-up reports it as one line and exits 1; its text says what was found and what to run.

import { join } from "node:path";
import { CorruptionError } from "../sstable/errors.js";
import { CURRENT } from "./manifest.js";

export class MissingManifestError extends CorruptionError {
  constructor(
    readonly dir: string,
    readonly tables: readonly string[],
    readonly logs: readonly string[],
  ) {
    super(join(dir, CURRENT), 0, "missing");
    this.name = "MissingManifestError";
    this.message = `${dir} has no manifest (${CURRENT} and the MANIFEST-NNNNNN it names) but holds ${found(tables, "table or manifest", "tables or manifests")} and ${found(logs, "non-empty log")}; nothing was changed; run "wasm-lsm repair ${dir}" to rebuild the manifest from them`;
  }
}

function found(names: readonly string[], what: string, plural = `${what}s`): string {
  const shown = names.length <= 4 ? names.join(", ") : `${names.slice(0, 3).join(", ")}, ...`;
  return `${names.length} ${names.length === 1 ? what : plural}${names.length > 0 ? ` (${shown})` : ""}`;
}
