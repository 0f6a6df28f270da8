// Fault injection for code that calls node:fs directly: a test file mocks node:fs with
// `vi.mock("node:fs", async (original) => (await import(".../fs-faults.js")).faultyFs(original))`
// (vi.mock is hoisted above the imports, so the factory imports this module itself) and then arms faults by operation and file name. Each armed fault
// fails the next calls that match it with an errno error (ENOSPC, EIO, ...), as the kernel would.
// Operations on descriptors (write, fsync, ftruncate, close) are matched by the path they were
// opened with.
import type * as fs from "node:fs";

export type FaultOp = "open" | "write" | "fsync" | "ftruncate" | "close" | "rename";

interface Fault {
  readonly op: FaultOp;
  readonly match: (path: string) => boolean;
  remaining: number;
  readonly code: string;
}

const faults: Fault[] = [];
const pathOfFd = new Map<number, string>();
/** How many calls of each operation were made, by path (whether they failed or not). */
export const calls: { op: FaultOp; path: string; failed: boolean }[] = [];

/** Fails the next `times` calls of `op` on a path `match` accepts (a substring or a predicate). */
export function failNext(op: FaultOp, match: string | ((path: string) => boolean), code = "ENOSPC", times = 1): void {
  const test = typeof match === "string" ? (p: string) => p.includes(match) : match;
  faults.push({ op, match: test, remaining: times, code });
}

/** Disarms every fault and forgets the calls seen. */
export function clearFaults(): void {
  faults.length = 0;
  calls.length = 0;
}

function check(op: FaultOp, path: string): void {
  const fault = faults.find((f) => f.op === op && f.remaining > 0 && f.match(path));
  calls.push({ op, path, failed: fault !== undefined });
  if (fault === undefined) return;
  fault.remaining--;
  throw Object.assign(new Error(`${fault.code}: injected failure, ${op} '${path}'`), { code: fault.code, errno: -28, syscall: op, path });
}

/** The factory for vi.mock("node:fs", faultyFs): node:fs with the operations above checked first. */
export async function faultyFs(importOriginal: () => Promise<typeof fs>): Promise<typeof fs> {
  const real = await importOriginal();
  const fdPath = (fd: number) => pathOfFd.get(fd) ?? `fd ${fd}`;
  const wrapped = {
    ...real,
    openSync: ((path: fs.PathLike, ...rest: unknown[]) => {
      check("open", String(path));
      const fd = (real.openSync as (...a: unknown[]) => number)(path, ...rest);
      pathOfFd.set(fd, String(path));
      return fd;
    }) as typeof fs.openSync,
    writeSync: ((fd: number, ...rest: unknown[]) => {
      check("write", fdPath(fd));
      return (real.writeSync as (...a: unknown[]) => number)(fd, ...rest);
    }) as typeof fs.writeSync,
    fsyncSync: ((fd: number) => {
      check("fsync", fdPath(fd));
      real.fsyncSync(fd);
    }) as typeof fs.fsyncSync,
    fsync: ((fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
      try {
        check("fsync", fdPath(fd));
      } catch (err) {
        setImmediate(() => callback(err as NodeJS.ErrnoException));
        return;
      }
      real.fsync(fd, callback);
    }) as typeof fs.fsync,
    ftruncateSync: ((fd: number, len?: number) => {
      check("ftruncate", fdPath(fd));
      real.ftruncateSync(fd, len);
    }) as typeof fs.ftruncateSync,
    closeSync: ((fd: number) => {
      const path = fdPath(fd);
      pathOfFd.delete(fd);
      real.closeSync(fd); // the descriptor is gone whatever close reports, as on Linux
      check("close", path);
    }) as typeof fs.closeSync,
    renameSync: ((from: fs.PathLike, to: fs.PathLike) => {
      check("rename", String(from));
      real.renameSync(from, to);
    }) as typeof fs.renameSync,
  };
  return { ...wrapped, default: wrapped } as unknown as typeof fs;
}
