// The lock a store or a repair takes on its directory, by file system. On node:fs it is the LOCK
// file (lock.ts), which keeps other processes out. Any other Env (memory, fault injection) is only
// ever seen by this process, so a set of the directories held, per Env, is lock enough: it refuses
// a second open of one directory, as lock.ts does within a process.

import { NodeEnv } from "../io/node-env.js";
import type { Env } from "./env.js";
import { acquireLock, LockedError, type LockOptions } from "./lock.js";

const heldByEnv = new WeakMap<Env, Set<string>>();

/** Whether env is the real file system, where processes (locks, ephemeral sweeps) matter. */
export const isNodeEnv = (env: Env): boolean => env instanceof NodeEnv;

/** Takes dir's lock; returns the function that releases it. Throws LockedError when it is held. */
export function lockDir(env: Env, dir: string, options: LockOptions = {}): () => void {
  if (isNodeEnv(env)) return acquireLock(dir, options);
  let held = heldByEnv.get(env);
  if (held === undefined) heldByEnv.set(env, (held = new Set()));
  if (held.has(dir)) throw new LockedError(`${dir} is already open in this process`);
  held.add(dir);
  return () => held.delete(dir);
}
