// Which compaction to run next (LevelDB's db/version_set.cc: Finalize, PickCompaction,
// SetupOtherInputs, IsTrivialMove). Pure functions of a version and the level shape; the merge
// itself is compaction-job.ts, and installing its outputs is the store's (store.ts).
//
// Level 0's score is its table count over the trigger; a deeper level's is its bytes over its
// target (levelBaseBytes x multiplier^(level-1)). The highest score >= 1 is compacted: the first
// table past that level's compaction pointer (round-robin, so every key range takes its turn),
// with, on level 0, every level-0 table that overlaps it; then the next level's overlapping tables;
// the first level's inputs grow when that takes no more of the next level and stays under 25 table
// sizes. One input and nothing under it is a trivial move: the table changes level without a
// rewrite, unless it overlaps more than 10 table sizes of the level below the next (grandparents).

import { NUM_LEVELS } from "./version-edit.js";
import { compareInternalKeys } from "./manifest-log.js";
import { totalBytes, userRange, type TableMeta, type Version } from "./version.js";

/** The tree's shape (README "Flags": --l0-trigger, --level-base-bytes, --table-bytes). */
export interface LevelShape {
  /** Level-0 tables that start a compaction (LevelDB's kL0_CompactionTrigger, 4). */
  readonly l0Trigger: number;
  /** Level-0 tables at which each write is delayed by 1 ms (kL0_SlowdownWritesTrigger, 8). */
  readonly l0Slowdown: number;
  /** Level-0 tables at which writes wait for a compaction (kL0_StopWritesTrigger, 12). */
  readonly l0Stop: number;
  /** Level 1's target size (LevelDB's 10 MiB). */
  readonly levelBaseBytes: number;
  /** Each level's target over the one above (10). */
  readonly levelMultiplier: number;
  /** Compaction output tables are cut at this size (LevelDB's max_file_size, 2 MiB). */
  readonly tableBytes: number;
}

export const DEFAULT_LEVEL_SHAPE: LevelShape = {
  l0Trigger: 4,
  l0Slowdown: 8,
  l0Stop: 12,
  levelBaseBytes: 10 * 1024 * 1024,
  levelMultiplier: 10,
  tableBytes: 2 * 1024 * 1024,
};

export const LAST_LEVEL = NUM_LEVELS - 1;

export interface Compaction {
  /** Inputs come from `level` and `level + 1`; outputs go to `level + 1`. */
  readonly level: number;
  readonly inputs: readonly [readonly TableMeta[], readonly TableMeta[]];
  /** Tables of level + 2 that the compaction's range overlaps: outputs are cut to keep each one's overlap small. */
  readonly grandparents: readonly TableMeta[];
  /** The one input moves down a level without a rewrite. */
  readonly trivialMove: boolean;
  /** Asked for (lsm_compact, compactRange), not picked by score. */
  readonly manual: boolean;
}

/** Level `level`'s target size in bytes (level >= 1). */
export function maxBytesForLevel(shape: LevelShape, level: number): number {
  return shape.levelBaseBytes * shape.levelMultiplier ** (level - 1);
}

/** Per level 0..5 (the last level is never a compaction's source), how far over its trigger it is. */
export function levelScores(version: Version, shape: LevelShape): number[] {
  const scores: number[] = [];
  for (let level = 0; level < LAST_LEVEL; level++) {
    scores.push(level === 0 ? version.levels[0].length / shape.l0Trigger : version.levelBytes(level) / maxBytesForLevel(shape, level));
  }
  return scores;
}

/** The compaction the tree needs most, or null when every level is under its trigger. */
export function pickCompaction(version: Version, shape: LevelShape, pointers: readonly (Uint8Array | null)[]): Compaction | null {
  const scores = levelScores(version, shape);
  let level = -1;
  for (let l = 0; l < scores.length; l++) if (scores[l] >= 1 && (level < 0 || scores[l] > scores[level])) level = l;
  if (level < 0) return null;
  const tables = level === 0 ? [...version.levels[0]].sort(bySmallest) : version.levels[level];
  const pointer = pointers[level];
  const first = tables.find((t) => pointer === null || compareInternalKeys(t.largest, pointer) > 0) ?? tables[0];
  let inputs = [first];
  if (level === 0) {
    const [lo, hi] = userRange(inputs);
    inputs = version.overlapping(0, lo, hi);
  }
  return setupOtherInputs(version, shape, level, inputs, false);
}

/**
 * A compaction of level `level` into level + 1 over `level`'s tables that meet [begin, end]
 * (null: unbounded), or null when it holds none there. Never a trivial move: it rewrites.
 */
export function manualCompaction(version: Version, shape: LevelShape, level: number, begin: Uint8Array | null, end: Uint8Array | null): Compaction | null {
  const inputs = version.overlapping(level, begin, end);
  if (inputs.length === 0) return null;
  return setupOtherInputs(version, shape, level, inputs, true);
}

function setupOtherInputs(version: Version, shape: LevelShape, level: number, first: TableMeta[], manual: boolean): Compaction {
  let inputs0 = first;
  const [lo, hi] = userRange(inputs0);
  let inputs1 = version.overlapping(level + 1, lo, hi);
  // Grow the first level's inputs if that takes no more tables of the next level (SetupOtherInputs).
  if (inputs1.length > 0) {
    const [allLo, allHi] = userRange([...inputs0, ...inputs1]);
    const grown = version.overlapping(level, allLo, allHi);
    if (grown.length > inputs0.length && totalBytes(grown) + totalBytes(inputs1) < 25 * shape.tableBytes) {
      const [gLo, gHi] = userRange(grown);
      const again = version.overlapping(level + 1, gLo, gHi);
      if (again.length === inputs1.length) {
        inputs0 = grown;
        inputs1 = again;
      }
    }
  }
  const [rLo, rHi] = userRange([...inputs0, ...inputs1]);
  const grandparents = level + 2 < NUM_LEVELS ? version.overlapping(level + 2, rLo, rHi) : [];
  const trivialMove = !manual && inputs0.length === 1 && inputs1.length === 0 && totalBytes(grandparents) <= 10 * shape.tableBytes;
  return { level, inputs: [inputs0, inputs1], grandparents, trivialMove, manual };
}

function bySmallest(a: TableMeta, b: TableMeta): number {
  return compareInternalKeys(a.smallest, b.smallest) || a.number - b.number;
}
