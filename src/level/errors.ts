// The store's failures as the Level ecosystem names them (abstract-level's README "Errors"), with
// the codes classic-level gives for the same conditions, so that code written against classic-level
// can tell them apart the same way. The store's own error is kept as `cause`: its message names the
// file, the offset and the check that failed.
//
//   LockedError (lock.ts: another process or instance holds the directory)   LEVEL_LOCKED
//   CorruptionError (a checksum, a format or a missing manifest)             LEVEL_CORRUPTION
//   UnsupportedError (a well-formed table using a feature we lack)           LEVEL_NOT_SUPPORTED
//   an errno-style code (EIO, ENOSPC, EACCES, EMFILE, ...)                   LEVEL_IO_ERROR
//
// Anything else (a wrong argument, a released snapshot) is passed on as it is.

import ModuleError from "module-error";
import { LockedError } from "../lsm/lock.js";
import { CorruptionError, UnsupportedError } from "../sstable/errors.js";

/** The error to give the caller for an error the store threw. */
export function levelError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof ModuleError) return err;
  const code = codeOf(err);
  return code === null ? err : new ModuleError(err.message, { code, cause: err });
}

function codeOf(err: Error): string | null {
  if (err instanceof LockedError) return "LEVEL_LOCKED";
  if (err instanceof CorruptionError) return "LEVEL_CORRUPTION";
  if (err instanceof UnsupportedError) return "LEVEL_NOT_SUPPORTED";
  const errno = (err as { code?: unknown }).code;
  if (typeof errno === "string" && /^E[A-Z0-9]+$/.test(errno)) return "LEVEL_IO_ERROR";
  return null;
}

/** Runs a synchronous call into the store, its failure given as levelError says. */
export function translated<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw levelError(err);
  }
}
