// The node's request pipeline: the input lines read so far, in order, from the moment they are
// read until their replies are handed to the output (PROTOCOL.md section 2).
//
// Ordering. A request starts only when the ones before it allow: a non-concurrent request once
// every earlier one is done (so it sees all their effects), a concurrent one (memtable_put) once
// the last non-concurrent request before it is done, without waiting for other concurrent ones.
// Starting a request calls its handler at once, in request order; a handler that answers
// synchronously is done then and there, and only one that returns a promise is waited for. So a
// run of puts costs one promise reaction each (their store call), not a chain per request.
// Replies are formatted and written strictly in request order, each as soon as it and every reply
// before it are done: so before any later non-concurrent request starts.
//
// Read ahead. Lines are kept raw (parsed only when they can start) and counted, with the part of a
// line still being read, until their reply is written. The reader asks `roomToRead` before each
// chunk: it may read while nothing is held, or while the held bytes are under `readAheadBytes`
// and the held requests under `maxRequests`, and the output is not asking us to wait. So what is
// held stays under the bound plus one input chunk, and a single line larger than the bound is
// still let in, alone.
//
//   add* (roomToRead add*)* finished idle?

import type { LineWriter } from "./line-writer.js";
import type { InputLine } from "./lines.js";
import type { ReplyPayload, ReplyTarget } from "./protocol.js";

/** One request ready to start: its reply address and type (null: a line rejected with error 12). */
export interface Job extends ReplyTarget {
  readonly type: string | null;
}

/** What the pipeline needs of the protocol: ProtocolNode in server.ts. */
export interface RequestRunner<J extends Job> {
  /** The request a line holds, or null when it gets no reply (blank, or no usable address). */
  job(line: InputLine): J | null;
  /** Runs the handler: its reply, or a promise of it. Never throws: failures are error replies. */
  start(job: J): ReplyPayload | PromiseLike<ReplyPayload>;
  /** The error reply for a promise from `start` that rejected. */
  failed(job: J, err: unknown): ReplyPayload;
  /** The reply line, with the next msg_id. */
  reply(job: J, payload: ReplyPayload): string;
}

export interface ReadAheadLimits {
  readonly readAheadBytes: number;
  readonly maxRequests: number;
}

const PENDING = Symbol("pending");

/** A started request whose reply is not yet written. */
class Slot<J extends Job> {
  payload: ReplyPayload | typeof PENDING = PENDING;
  constructor(
    readonly job: J,
    readonly bytes: number,
  ) {}
}

export class RequestPipeline<J extends Job> {
  private readonly waiting = new Queue<InputLine>();
  /** The first waiting line, parsed, while it cannot start yet. */
  private next: J | null = null;
  private readonly slots = new Queue<Slot<J>>();
  private running = 0;
  private barrierRunning = false;
  private heldBytes = 0;
  private heldRequests = 0;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly runner: RequestRunner<J>,
    private readonly concurrent: ReadonlySet<string>,
    private readonly writer: LineWriter,
    private readonly limits: ReadAheadLimits,
  ) {}

  /** Takes lines just read, and starts what can start. */
  add(lines: readonly InputLine[]): void {
    for (const line of lines) {
      this.waiting.push(line);
      this.heldBytes += keptBytes(line);
      this.heldRequests++;
    }
    this.advance();
  }

  /**
   * Resolves when another input chunk may be read (see the header); `partialBytes` is the part of
   * a line already read. Rejects once the output has failed.
   */
  async roomToRead(partialBytes: number): Promise<void> {
    for (;;) {
      if (this.failure !== null) throw this.failure;
      const draining = this.writer.draining;
      if (draining !== null) await draining;
      else if (this.hasRoom(partialBytes)) return;
      else await this.changed();
    }
  }

  /** Resolves when every line added has been answered (or dropped); rejects once the output has failed. */
  async finished(): Promise<void> {
    for (;;) {
      if (this.failure !== null) throw this.failure;
      if (this.heldRequests === 0) return;
      await this.changed();
    }
  }

  /** Resolves when no started request is still running: after an output failure too. */
  async idle(): Promise<void> {
    while (this.running > 0) await this.changed();
  }

  private hasRoom(partialBytes: number): boolean {
    if (this.heldRequests === 0) return true;
    return this.heldBytes + partialBytes < this.limits.readAheadBytes && this.heldRequests < this.limits.maxRequests;
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private advance(): void {
    if (this.failure !== null) return;
    this.writeReady();
    this.startReady();
  }

  /** Starts waiting requests in order, as far as the ordering rules allow. */
  private startReady(): void {
    for (let line = this.waiting.peek(); line !== undefined && this.failure === null; line = this.waiting.peek()) {
      const job = this.next ?? this.runner.job(line);
      if (job === null) {
        this.waiting.shift();
        this.release(keptBytes(line));
        continue;
      }
      const concurrent = job.type !== null && this.concurrent.has(job.type);
      if (concurrent ? this.barrierRunning : this.running > 0) {
        this.next = job;
        return;
      }
      this.next = null;
      this.waiting.shift();
      this.start(job, keptBytes(line), concurrent);
    }
  }

  private start(job: J, bytes: number, concurrent: boolean): void {
    const slot = new Slot(job, bytes);
    this.slots.push(slot);
    const result = this.runner.start(job);
    if (!isThenable(result)) {
      slot.payload = result;
      // Formatted now, before a later request runs: a reply's src is the node id as it was
      // when its turn came (an init after it must not change it).
      this.writeReady();
      return;
    }
    this.running++;
    if (!concurrent) this.barrierRunning = true;
    result.then(
      (payload) => this.settle(slot, concurrent, payload),
      (err: unknown) => this.settle(slot, concurrent, this.runner.failed(job, err)),
    );
  }

  private settle(slot: Slot<J>, concurrent: boolean, payload: ReplyPayload): void {
    slot.payload = payload;
    this.running--;
    if (!concurrent) this.barrierRunning = false;
    this.advance();
    this.notify();
  }

  /** Formats and writes the replies of the done requests at the head, in order. */
  private writeReady(): void {
    for (let slot = this.slots.peek(); slot !== undefined && slot.payload !== PENDING; slot = this.slots.peek()) {
      this.slots.shift();
      const line = this.runner.reply(slot.job, slot.payload);
      this.release(slot.bytes);
      try {
        this.writer.write(line);
      } catch (err) {
        this.failure = err instanceof Error ? err : new Error(String(err));
        this.notify();
        return;
      }
    }
  }

  private release(bytes: number): void {
    this.heldBytes -= bytes;
    this.heldRequests--;
  }
}

/** The bytes of a line the splitter keeps: all of it, or the head of an over-long one. */
function keptBytes(line: InputLine): number {
  return line.kind === "line" ? line.bytes.length : line.head.length;
}

function isThenable(value: unknown): value is PromiseLike<ReplyPayload> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** A FIFO over an array: shift() clears the slot and drops the consumed front in bulk. */
class Queue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): void {
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
