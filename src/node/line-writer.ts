// The node's reply output: lines handed to a Writable, honouring its backpressure, gathered so
// that one system call carries many replies.
//
// Lines are joined and handed to the stream once per turn of the event loop (or every
// BATCH_CHARS): one write per reply cost a system call each and was a fifth of a put's time. The
// first stream error (or the stream closing under us) is kept, `onFailure` is called once, and
// every later write throws it.

import type { Writable } from "node:stream";

const BATCH_CHARS = 64 * 1024;

export class LineWriter {
  private failed: Error | null = null;
  private last: Promise<void> = Promise.resolve();
  private pending: string[] = [];
  private pendingChars = 0;
  private scheduled = false;
  private draining_: Promise<void> | null = null;
  private readonly writeScheduled = () => {
    this.scheduled = false;
    this.writePending();
  };

  constructor(
    private readonly out: Writable,
    private readonly onFailure: () => void = () => {},
  ) {
    out.on("error", (err: Error) => this.fail(err));
  }

  /** The stream's first failure, or null while it works. */
  get failure(): Error | null {
    if (this.failed === null && (this.out.destroyed || this.out.writableEnded)) this.fail(new Error("output closed"));
    return this.failed;
  }

  private fail(err: Error): void {
    if (this.failed !== null) return;
    this.failed = err;
    this.pending = [];
    this.pendingChars = 0;
    this.onFailure();
  }

  /** Set while the stream has asked us to wait (write() returned false): settles on "drain". */
  get draining(): Promise<void> | null {
    return this.draining_;
  }

  /** Queues a line (no newline); throws the stream's error once it has failed. */
  write(line: string): void {
    this.check();
    this.pending.push(line);
    this.pendingChars += line.length + 1;
    if (this.pendingChars >= BATCH_CHARS) this.writePending();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.writeScheduled);
    }
  }

  /** Resolves when every line written so far has been handed on; rejects on a stream error. */
  async flush(): Promise<void> {
    this.writePending();
    this.check();
    await this.last;
  }

  private writePending(): void {
    if (this.pending.length === 0 || this.failure !== null) return;
    const chunk = `${this.pending.join("\n")}\n`;
    this.pending = [];
    this.pendingChars = 0;
    let settle!: (err: Error | null | undefined) => void;
    this.last = new Promise((resolve, reject) => {
      settle = (err) => {
        if (!err) return resolve();
        this.fail(err);
        reject(err);
      };
    });
    this.last.catch(() => {}); // surfaced by check() or flush()
    if (!this.out.write(chunk, (err) => settle(err)) && this.draining_ === null) {
      this.draining_ = this.drain().finally(() => (this.draining_ = null));
      this.draining_.catch(() => {});
    }
  }

  private check(): void {
    const failure = this.failure;
    if (failure !== null) throw failure;
  }

  private drain(): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        this.out.off("drain", onDrain).off("error", done).off("close", onClose);
        if (err) {
          this.fail(err);
          reject(err);
        } else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(this.failed ?? new Error("output closed"));
      this.out.on("drain", onDrain).on("error", done).on("close", onClose);
    });
  }
}
