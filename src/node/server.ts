// The stdio node (PROTOCOL.md section 2): lines in, one reply line out per request, in request order.
//
// Requests run in request order (pipeline.ts). Most wait for every request before them to finish,
// so each sees the effects of all earlier ones (a lookup after a flush finds the new table). Types
// listed as concurrent (memtable_put) start as soon as the last non-concurrent request before them
// is done, without waiting for each other: their synchronous part (log append, MemTable insert)
// still runs in request order, and their waits for the disk overlap, so pipelined puts share one
// fsync (group commit). Replies are formatted and written strictly in request order, whatever
// order the work finishes in; msg_ids follow the written lines.
//
// - Blank lines (spaces, tabs, "\r" only) are ignored. A line that is not a message is logged, and
//   answered with error 12 when it carries a usable src and body.msg_id (salvage.ts; a line over
//   MAX_LINE_BYTES keeps only its first OVERLONG_HEAD_BYTES for that).
// - Unknown type: error 10. ProtocolError from a handler: its code and text. Anything else a
//   handler (or the formatting of its reply) throws: error 13 with the message as text, the stack
//   on the log. The node never stops on bad input.
// - Input is read a chunk at a time while the lines held (read, not yet answered) stay under
//   `readAheadBytes` and MAX_IN_FLIGHT requests, and the output is not asking us to wait for
//   "drain" (line-writer.ts). At the end of input, runNode resolves once every reply has been
//   handed to the OS.
// - A failing output (EPIPE: the reader went away): the node stops reading (the input is destroyed
//   when it is a stream, so a read waiting on it ends), starts no more requests, waits for the ones
//   already started, and rejects with OutputClosedError; the caller closes the store (serve.ts).

import type { Readable, Writable } from "node:stream";
import { coreHandlers, type Handler, type HandlerContext, type HandlerTable, type NodeState } from "./handlers.js";
import { LineWriter } from "./line-writer.js";
import { type InputChunk, type InputLine, LineSplitter, toBuffer } from "./lines.js";
import { DEFAULT_NODE_OPTIONS, type NodeOptions } from "./options.js";
import { type Job, RequestPipeline, type RequestRunner } from "./pipeline.js";
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
  type RequestBody,
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

/** Serves the protocol until the input ends; resolves when every reply is written. */
export async function runNode(io: NodeIO): Promise<void> {
  const options = { ...DEFAULT_NODE_OPTIONS, ...io.options };
  const node = new ProtocolNode(io.handlers ?? coreHandlers, options, io.log);
  const writer = new LineWriter(io.output, () => stopReading(io.input));
  const pipeline = new RequestPipeline(node, io.concurrent ?? new Set<string>(), writer, { readAheadBytes: options.readAheadBytes, maxRequests: MAX_IN_FLIGHT });
  try {
    await serveLines(io, pipeline, writer);
  } catch (err) {
    if (writer.failure === null) throw err; // else: the input was destroyed because the output failed
  }
  if (writer.failure !== null) {
    await pipeline.idle(); // requests already started finish before the caller closes the store
    throw new OutputClosedError(writer.failure);
  }
}

/** The output failed (EPIPE: its reader went away); runNode stopped reading. */
export class OutputClosedError extends Error {
  override readonly name = "OutputClosedError";
  constructor(readonly reason: Error) {
    super(`output failed: ${reason.message}`);
  }
}

/** Destroys the input when it is a stream, so that a read waiting on it ends. */
function stopReading(input: NodeIO["input"]): void {
  const stream = input as Partial<Readable>;
  if (typeof stream.destroy === "function") stream.destroy();
}

async function serveLines(io: NodeIO, pipeline: RequestPipeline<NodeJob>, writer: LineWriter): Promise<void> {
  const splitter = new LineSplitter({ maxBytes: MAX_LINE_BYTES, headBytes: OVERLONG_HEAD_BYTES });
  const chunks = chunksOf(io.input);
  let ended = false;
  try {
    for (;;) {
      await pipeline.roomToRead(splitter.partialBytes);
      const next = await chunks.next();
      if (next.done === true) break;
      pipeline.add(splitter.push(toBuffer(next.value)));
    }
    ended = true;
  } finally {
    if (!ended) await chunks.return?.();
  }
  const last = splitter.end();
  if (last !== null) pipeline.add([last]);
  await pipeline.finished();
  await writer.flush();
}

function chunksOf(input: AsyncIterable<InputChunk> | Iterable<InputChunk>): AsyncIterator<InputChunk> | Iterator<InputChunk> {
  return Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : input[Symbol.iterator]();
}

/** A request (or a rejected line's error reply) on its way through the pipeline. */
interface NodeJob extends Job {
  readonly lineNumber: number;
  readonly body: RequestBody | null;
  readonly handler: Handler | null;
  /** The reply of a job without a handler. */
  readonly fixed: ReplyPayload | null;
}

/** The protocol state machine: one input line in, at most one reply out. */
export class ProtocolNode implements RequestRunner<NodeJob> {
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
  job(line: InputLine): NodeJob | null {
    if (line.kind === "overlong") return this.reject(line.number, rejectOverlong(line.length, line.head));
    if (isBlankLine(line.bytes)) return null;
    const parsed = parseLine(line.bytes);
    return parsed.ok ? this.dispatch(line.number, parsed.request) : this.reject(line.number, parsed);
  }

  start(job: NodeJob): ReplyPayload | PromiseLike<ReplyPayload> {
    if (job.handler === null) return job.fixed!;
    try {
      return job.handler(job.body!, this.ctx);
    } catch (err) {
      return this.failed(job, err);
    }
  }

  failed(job: NodeJob, err: unknown): ReplyPayload {
    return this.errorPayloadFor(err, job.lineNumber, job.type ?? "request");
  }

  /** Formats a reply with the next msg_id; a reply that cannot be formatted becomes error 13. */
  reply(job: NodeJob, payload: ReplyPayload): string {
    const from = this.state.nodeId ?? job.dest ?? "";
    let line: string;
    try {
      line = formatReply(from, job, payload, this.nextMsgId);
    } catch (err) {
      line = formatReply(from, job, this.errorPayloadFor(err, 0, `${job.type ?? "request"} reply`), this.nextMsgId);
    }
    this.nextMsgId++;
    return line;
  }

  private reject(lineNumber: number, rejection: Rejection): NodeJob | null {
    const { reason, detail, target } = rejection;
    const what = `line ${lineNumber}: ${reason}${detail === undefined ? "" : ` (${detail})`}`;
    if (target === null) {
      this.log(`${what}; no reply: no usable src and body.msg_id`);
      return null;
    }
    this.log(`${what}; error 12 to ${target.src} msg_id ${target.msgId}`);
    return answeredJob(target, null, lineNumber, errorPayload(ErrorCode.MALFORMED_REQUEST, reason));
  }

  private dispatch(lineNumber: number, request: Request): NodeJob {
    const { type } = request.body;
    const handler = Object.hasOwn(this.handlers, type) ? this.handlers[type] : undefined;
    if (handler === undefined) {
      this.log(`line ${lineNumber}: unsupported message type: ${type}; error 10`);
      return answeredJob(targetOfRequest(request), type, lineNumber, errorPayload(ErrorCode.NOT_SUPPORTED, `unsupported message type: ${type}`));
    }
    return requestJob(request, lineNumber, handler);
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

/** A request to run: its handler gets its body. */
function requestJob(request: Request, lineNumber: number, handler: Handler): NodeJob {
  const { src, dest, body } = request;
  return { src, dest, msgId: body.msg_id, type: body.type, lineNumber, body, handler, fixed: null };
}

/** A line whose reply is known without running anything (an error). */
function answeredJob(target: ReplyTarget, type: string | null, lineNumber: number, payload: ReplyPayload): NodeJob {
  const { src, dest, msgId } = target;
  return { src, dest, msgId, type, lineNumber, body: null, handler: null, fixed: payload };
}
