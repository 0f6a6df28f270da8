// The stdio node (PROTOCOL.md section 2): lines in, one reply line out per request, in request order.
//
// Requests run in request order. Most wait for every request before them to finish, so each sees
// the effects of all earlier ones (a lookup after a flush finds the new table). Types listed as
// concurrent (memtable_put) start as soon as the last non-concurrent request before them is done,
// without waiting for each other: their synchronous part (log append, MemTable insert) still runs in
// request order, and their waits for the disk overlap, so pipelined puts share one fsync (group
// commit). Replies are formatted and written strictly in request order, whatever order the work
// finishes in; msg_ids follow the written lines.
//
// - Blank lines (spaces, tabs, "\r" only) are ignored. A line that is not a message is logged, and
//   answered with error 12 when it carries a usable src and body.msg_id (salvage.ts; a line over
//   MAX_LINE_BYTES keeps only its first OVERLONG_HEAD_BYTES for that).
// - Unknown type: error 10. ProtocolError from a handler: its code and text. Anything else a
//   handler (or the formatting of its reply) throws: error 13 with the message as text, the stack
//   on the log. The node never stops on bad input.
// - Output: each reply is one write of line + "\n"; when the stream asks us to wait (write() returns
//   false) we wait for "drain", and at most MAX_IN_FLIGHT requests are read ahead of the replies
//   written. At the end of input, runNode resolves once every reply has been handed to the OS.
// - A failing output (EPIPE: the reader went away): the node stops reading (the input is destroyed
//   when it is a stream), starts no more requests, waits for the ones already started, and rejects
//   with OutputClosedError; the caller closes the store (serve.ts).

import type { Readable, Writable } from "node:stream";
import { coreHandlers, type HandlerContext, type HandlerTable, type NodeState } from "./handlers.js";
import { type InputChunk, type InputLine, readLines } from "./lines.js";
import { DEFAULT_NODE_OPTIONS, type NodeOptions } from "./options.js";
import {
  ErrorCode,
  errorPayload,
  formatReply,
  isBlankLine,
  MAX_LINE_BYTES,
  parseLine,
  ProtocolError,
  type Rejection,
  rejectOverlong,
  type ReplyPayload,
  type ReplyTarget,
  type Request,
  targetOfRequest,
} from "./protocol.js";

/** Bytes kept from the start of an over-long line to salvage its src and msg_id (salvage.ts). */
export const OVERLONG_HEAD_BYTES = 64 * 1024;
/** Requests read ahead of the replies written; past this the node stops reading until replies catch up. */
export const MAX_IN_FLIGHT = 4096;

export interface NodeIO {
  /** process.stdin, or any stream or iterable of chunks (tests). */
  readonly input: AsyncIterable<InputChunk> | Iterable<InputChunk>;
  /** Gets protocol lines only. Not ended by runNode. */
  readonly output: Writable;
  /** One log line (no newline); the CLI sends it to stderr. */
  readonly log: (line: string) => void;
  /** Default: coreHandlers. */
  readonly handlers?: HandlerTable;
  /** Request types whose handlers may overlap with each other (see above). */
  readonly concurrent?: ReadonlySet<string>;
  readonly options?: Partial<NodeOptions>;
}

/** One request's work: the reply target, and the payload once the handler is done. */
export interface Job {
  readonly target: ReplyTarget;
  readonly type: string | null;
  /** Runs the handler; never rejects: failures become error payloads. */
  readonly run: () => Promise<ReplyPayload>;
}

/** The output failed (EPIPE: its reader went away); runNode stopped reading. */
export class OutputClosedError extends Error {
  override readonly name = "OutputClosedError";
  constructor(readonly reason: Error) {
    super(`output failed: ${reason.message}`);
  }
}

/** The payload of a request not run because the output had already failed: never written. */
const NOT_RUN: ReplyPayload = errorPayload(ErrorCode.TEMPORARILY_UNAVAILABLE, "output closed");

/** Serves the protocol until the input ends; resolves when every reply is written. */
export async function runNode(io: NodeIO): Promise<void> {
  const node = new ProtocolNode(io.handlers ?? coreHandlers, { ...DEFAULT_NODE_OPTIONS, ...io.options }, io.log);
  const concurrent = io.concurrent ?? new Set<string>();
  const writer = new LineWriter(io.output, () => stopReading(io.input));
  try {
    await serveLines(io, node, concurrent, writer);
  } catch (err) {
    if (writer.failure === null) throw err; // else: the input was destroyed because the output failed
  }
  if (writer.failure !== null) throw new OutputClosedError(writer.failure);
}

async function serveLines(io: NodeIO, node: ProtocolNode, concurrent: ReadonlySet<string>, writer: LineWriter): Promise<void> {
  // `written` settles once every earlier request is done and its reply queued: what a
  // non-concurrent request waits for. `barrier` is the last non-concurrent request.
  let written: Promise<void> = Promise.resolve();
  let barrier: Promise<unknown> = Promise.resolve();
  let inFlight = 0;
  try {
    for await (const line of readLines(io.input, { maxBytes: MAX_LINE_BYTES, headBytes: OVERLONG_HEAD_BYTES })) {
      if (writer.failure !== null) break;
      const job = node.job(line);
      if (job === null) continue;
      const run = () => (writer.failure === null ? job.run() : NOT_RUN);
      let payload: Promise<ReplyPayload>;
      if (job.type !== null && concurrent.has(job.type)) {
        payload = barrier.then(run);
      } else {
        payload = written.then(run);
        barrier = payload;
      }
      inFlight++;
      written = written.then(async () => {
        const reply = node.reply(job.target, await payload, job.type);
        inFlight--;
        await writer.write(reply);
      });
      if (inFlight >= MAX_IN_FLIGHT) await written;
    }
  } finally {
    await written; // never rejects: requests already started finish before the caller closes the store
  }
  await writer.flush();
}

/** Destroys the input when it is a stream, so that a read waiting on it ends. */
function stopReading(input: NodeIO["input"]): void {
  const stream = input as Partial<Readable>;
  if (typeof stream.destroy === "function") stream.destroy();
}

/** The protocol state machine: one input line in, at most one reply out. */
export class ProtocolNode {
  readonly state: NodeState = { nodeId: null, nodeIds: [] };
  private readonly ctx: HandlerContext;
  private nextMsgId = 0;

  constructor(
    private readonly handlers: HandlerTable,
    options: NodeOptions,
    private readonly log: (line: string) => void,
  ) {
    this.ctx = { node: this.state, options, log };
  }

  /** The work one input line asks for, or null when it gets no reply. */
  job(line: InputLine): Job | null {
    if (line.kind === "overlong") return this.reject(line.number, rejectOverlong(line.length, line.head));
    if (isBlankLine(line.bytes)) return null;
    const parsed = parseLine(line.bytes);
    return parsed.ok ? this.dispatch(line.number, parsed.request) : this.reject(line.number, parsed);
  }

  /** Formats a reply with the next msg_id; a reply that cannot be formatted becomes error 13. */
  reply(target: ReplyTarget, payload: ReplyPayload, type: string | null = null): string {
    const from = this.state.nodeId ?? target.dest ?? "";
    let line: string;
    try {
      line = formatReply(from, target, payload, this.nextMsgId);
    } catch (err) {
      line = formatReply(from, target, this.errorPayloadFor(err, 0, `${type ?? "request"} reply`), this.nextMsgId);
    }
    this.nextMsgId++;
    return line;
  }

  private reject(lineNumber: number, rejection: Rejection): Job | null {
    const { reason, detail, target } = rejection;
    const what = `line ${lineNumber}: ${reason}${detail === undefined ? "" : ` (${detail})`}`;
    if (target === null) {
      this.log(`${what}; no reply: no usable src and body.msg_id`);
      return null;
    }
    this.log(`${what}; error 12 to ${target.src} msg_id ${target.msgId}`);
    const payload = errorPayload(ErrorCode.MALFORMED_REQUEST, reason);
    return { target, type: null, run: () => Promise.resolve(payload) };
  }

  private dispatch(lineNumber: number, request: Request): Job {
    const { type } = request.body;
    const target = targetOfRequest(request);
    const handler = Object.hasOwn(this.handlers, type) ? this.handlers[type] : undefined;
    if (handler === undefined) {
      this.log(`line ${lineNumber}: unsupported message type: ${type}; error 10`);
      const payload = errorPayload(ErrorCode.NOT_SUPPORTED, `unsupported message type: ${type}`);
      return { target, type, run: () => Promise.resolve(payload) };
    }
    const run = async () => {
      try {
        return await handler(request.body, this.ctx);
      } catch (err) {
        return this.errorPayloadFor(err, lineNumber, type);
      }
    };
    return { target, type, run };
  }

  /** A handler's exception (or its reply's, when that cannot be formatted) as an error reply. */
  private errorPayloadFor(err: unknown, lineNumber: number, type: string): ReplyPayload {
    if (err instanceof ProtocolError) {
      this.log(`line ${lineNumber}: ${type}: error ${err.code}: ${err.text}`);
      return errorPayload(err.code, err.text);
    }
    const error = err instanceof Error ? err : new Error(String(err));
    this.log(`line ${lineNumber}: ${type} crashed; error 13: ${error.stack ?? error.message}`);
    return errorPayload(ErrorCode.CRASH, error.message);
  }
}

/**
 * Writes lines to a Writable, honouring backpressure; remembers the first stream error. Lines are
 * gathered and handed to the stream together once per turn of the event loop (or every 64 KiB):
 * one write per reply cost a system call each and was a fifth of a put's time. Once the stream has
 * failed, or was closed under us, every later line is dropped and `onFailure` has been called once:
 * nothing here rejects, so no promise chain of runNode is left with an unhandled rejection.
 */
class LineWriter {
  private failed: Error | null = null;
  private last: Promise<void> = Promise.resolve();
  private pending: string[] = [];
  private pendingChars = 0;
  private scheduled = false;
  private draining: Promise<void> | null = null;

  constructor(
    private readonly out: Writable,
    private readonly onFailure: () => void,
  ) {
    out.on("error", (err: Error) => this.fail(err));
  }

  /** The first failure of the stream, or null while it works. */
  get failure(): Error | null {
    if (this.failed === null && (this.out.destroyed || this.out.writableEnded)) this.fail(new Error("output closed"));
    return this.failed;
  }

  /** Queues a line; resolves at once unless the stream asked us to wait. */
  async write(line: string): Promise<void> {
    if (this.failure !== null) return;
    this.pending.push(line);
    this.pendingChars += line.length + 1;
    if (this.pendingChars >= BATCH_CHARS) this.writePending();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.writePending();
      });
    }
    if (this.draining !== null) await this.draining;
  }

  /** Resolves when every line written so far has been handed on, or the stream has failed. */
  async flush(): Promise<void> {
    this.writePending();
    await this.last;
  }

  private fail(err: Error): void {
    if (this.failed !== null) return;
    this.failed = err;
    this.pending = [];
    this.onFailure();
  }

  private writePending(): void {
    if (this.pending.length === 0 || this.failure !== null) return;
    const chunk = `${this.pending.join("\n")}\n`;
    this.pending = [];
    this.pendingChars = 0;
    this.last = new Promise((resolve) => {
      const written = this.out.write(chunk, (err) => {
        if (err) this.fail(err);
        resolve();
      });
      if (!written && this.draining === null) this.draining = this.drain().finally(() => (this.draining = null));
    });
  }

  /** Resolves on "drain", or once the stream fails or closes (the failure is recorded). */
  private drain(): Promise<void> {
    return new Promise((resolve) => {
      const done = (err?: Error) => {
        this.out.off("drain", onDrain).off("error", done).off("close", onClose);
        if (err) this.fail(err);
        resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(this.failed ?? new Error("output closed"));
      this.out.on("drain", onDrain).on("error", done).on("close", onClose);
    });
  }
}

const BATCH_CHARS = 64 * 1024;
