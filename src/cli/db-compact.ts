// `wasm-lsm db compact DIR [--from K] [--to K]`: LevelDB's CompactRange through Store.compactRange:
// the MemTable flushed, then every level holding keys of [from, to] compacted into the next, down
// to the deepest level with data. Prints one JSON line when done:
//
//   {"compactions": N, "bytes_written": B, "tables": T, "bytes": S, "levels": [t0, ..., t6]}
//
// compactions and bytes_written are this command's (a trivial move counts as a compaction and
// writes nothing); tables, bytes and levels (tables per level) are the store's afterwards.
//
// --progress: the levels done of those to compact. A level is done when none of its tables holds a
// key of the range any more; the compactions run top down, so the levels done are the leading
// ones. The bar moves once per level, and says how long it has been going meanwhile.

import { pythonJson } from "../node/json.js";
import type { Store } from "../lsm/store.js";
import { userKeyOf, type TableMeta } from "../lsm/version.js";
import { bytesOperand, encodingOf } from "./db-bytes.js";
import { KEY_FLAGS, KEY_FLAGS_HELP, PROGRESS_FLAG, PROGRESS_HELP, storeLog } from "./db-flags.js";
import { withStore } from "./db-store.js";
import { progressBar, type ProgressBar } from "./progress.js";
import type { Flags, SstCommand as DbCommand } from "./sst-common.js";
import type { Output } from "./sst-output.js";

const POLL_MS = 200;

export const compact: DbCommand = {
  synopsis: "compact DIR [--from K] [--to K] [--hex] [--progress]",
  help: `Flushes the MemTable, then compacts every level holding keys from --from to --to (both
inclusive; each optional: default the whole store) into the next, down to the deepest level with
data (LevelDB's CompactRange). Prints one JSON line on stdout:
  {"compactions": N, "bytes_written": B, "tables": T, "bytes": S, "levels": [t0, ..., t6]}
compactions and bytes_written are this command's; tables, bytes and levels (tables per level)
the store's afterwards.

Options:
  --from K              the first key of the range
  --to K                the last key of the range
${PROGRESS_HELP}
${KEY_FLAGS_HELP}`,
  operands: ["DIR"],
  flags: { ...KEY_FLAGS, ...PROGRESS_FLAG, from: { type: "string" }, to: { type: "string" } },
  run: runCompact,
};

interface KeyRange {
  readonly from: Uint8Array | undefined;
  readonly to: Uint8Array | undefined;
}

async function runCompact([dir]: readonly string[], flags: Flags, out: Output): Promise<void> {
  const encoding = encodingOf(flags.hex);
  const range: KeyRange = {
    from: typeof flags.from === "string" ? bytesOperand(flags.from, encoding, "--from") : undefined,
    to: typeof flags.to === "string" ? bytesOperand(flags.to, encoding, "--to") : undefined,
  };
  const line = await withStore(dir, flags, { log: storeLog(flags, "compact") }, async (store) => {
    const before = store.compactionStatus();
    const bar = progressBar(flags.progress === true, "compact");
    try {
      await compactWithProgress(store, range, bar);
    } finally {
      bar?.done();
    }
    const after = store.compactionStatus();
    const levels = store.levelInfo();
    return pythonJson({
      compactions: after.totalCompactions - before.totalCompactions,
      bytes_written: after.totalBytesCompacted - before.totalBytesCompacted,
      tables: levels.reduce((n, l) => n + l.tables, 0),
      bytes: levels.reduce((n, l) => n + l.bytes, 0),
      levels: levels.map((l) => l.tables),
    });
  });
  out.push(`${line}\n`);
}

async function compactWithProgress(store: Store, range: KeyRange, bar: ProgressBar | null): Promise<void> {
  if (store.memtableFootprint > 0) {
    bar?.update(0, "flushing the MemTable");
    await store.flush(); // here rather than in compactRange, so that the levels to compact are known from the start
  }
  const levels = new LevelsDone(store, range);
  const timer = bar === null ? null : setInterval(() => bar.update(levels.fraction(), levels.detail()), POLL_MS);
  try {
    await store.compactRange(range.from, range.to);
  } finally {
    if (timer !== null) clearInterval(timer);
  }
}

/** How many of the levels compactRange compacts (0 to the deepest with data, less one) are done. */
class LevelsDone {
  /** Levels 0 .. count - 1 compact, each into the next. */
  private readonly count: number;
  private done = 0;

  constructor(
    private readonly store: Store,
    private readonly range: KeyRange,
  ) {
    this.count = Math.max(1, ...store.tables().map((t) => t.level));
  }

  fraction(): number {
    const tables = this.store.tables().filter((t) => this.inRange(t));
    let leading = 0;
    while (leading < this.count && !tables.some((t) => t.level === leading)) leading++;
    this.done = Math.max(this.done, leading); // a level refills only from the one above it, which is done
    return this.done / this.count;
  }

  detail(): string {
    return `${this.done} of ${this.count} ${this.count === 1 ? "level" : "levels"}`;
  }

  private inRange(t: TableMeta): boolean {
    const { from, to } = this.range;
    return (from === undefined || Buffer.compare(userKeyOf(t.largest), from) >= 0) && (to === undefined || Buffer.compare(userKeyOf(t.smallest), to) <= 0);
  }
}
