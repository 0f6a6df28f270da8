// What bench/level.ts and its child process (bench/level-child.ts) agree on: the child's arguments
// and the shape of its workloads. A module of its own because level-child.ts runs when imported.

import type { LevelEngineName } from "./level-engines.js";

export interface LevelChildArgs {
  readonly engine: LevelEngineName;
  readonly dir: string;
  readonly n: number;
  /** Puts of put-sync. */
  readonly syncOps: number;
  /** Gets of each get step. */
  readonly reads: number;
  /** Full passes of the nextv step. */
  readonly passes: number;
  /** The workloads asked for, as step names: put-sync runs only if named (put and batch always run; reads are asked on stdin). */
  readonly steps: readonly string[];
}

/** Puts in each db.batch() call. */
export const BATCH_SIZE = 100;
/** Entries each iterator.nextv() call asks for. */
export const NEXTV_SIZE = 1000;
