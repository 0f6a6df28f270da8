// Background work (a flush, a compaction's merge) runs on the thread that answers requests, in
// slices: after `sliceMs` of work it yields to the event loop, so a request waits at most about one
// slice for it (README "Speed": put latency while compactions run). The clock is read only every
// `checkEvery` calls, to keep the check off the profile.

const now = () => performance.now();

export class TimeSlicer {
  private start = now();
  private calls = 0;

  constructor(
    private readonly sliceMs: number,
    private readonly checkEvery = 32,
  ) {}

  /** Null while the slice lasts; else a promise that settles on a later turn of the event loop. */
  pause(): Promise<void> | null {
    if (++this.calls < this.checkEvery) return null;
    this.calls = 0;
    if (now() - this.start < this.sliceMs) return null;
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.start = now();
    });
  }
}
