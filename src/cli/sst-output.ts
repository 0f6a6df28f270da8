// Stdout for the `sst` commands: lines gather into chunks of about 64 KiB, and each chunk waits for
// its write to complete before the next is made, so a slow reader holds the producer back
// (backpressure) and at most one chunk is in flight. A reader that goes away (`sst dump | head`)
// surfaces as OutputClosed, which the group turns into a quiet exit 0.
//
// Call order: (push (flush)?)* end.

import type { Writable } from "node:stream";
import { isSystemError } from "./sst-common.js";

const CHUNK_CHARS = 64 * 1024;

/** The reader of stdout went away (EPIPE): stop producing, quietly. */
export class OutputClosed extends Error {
  override readonly name = "OutputClosed";
}

export class Output {
  private parts: string[] = [];
  private chars = 0;

  constructor(private readonly stream: Writable) {
    // Failed writes reach the write callbacks below; without a listener the 'error' event that
    // accompanies them would end the process.
    stream.on("error", () => {});
  }

  /** Buffers `text`; true when the buffer is full and the caller should `await flush()`. */
  push(text: string): boolean {
    this.parts.push(text);
    this.chars += text.length;
    return this.chars >= CHUNK_CHARS;
  }

  /** Writes what is buffered and waits until the stream has taken it. */
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join("");
    this.parts = [];
    this.chars = 0;
    await new Promise<void>((resolve, reject) => {
      this.stream.write(chunk, (err) => (err ? reject(closedOrFailed(err)) : resolve()));
    });
  }

  async end(): Promise<void> {
    await this.flush();
  }
}

function closedOrFailed(err: Error): Error {
  if (isSystemError(err) && err.code === "EPIPE") return new OutputClosed("stdout closed by its reader");
  if ((err as NodeJS.ErrnoException).code === "ERR_STREAM_DESTROYED") return new OutputClosed("stdout closed");
  return err;
}
