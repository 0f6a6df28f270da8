// Splitting the node's input into lines without ever holding an over-long one.
//
// A line is the bytes before a "\n", less one "\r" just before it (CRLF input); the last line
// needs no "\n". A line of at most `maxBytes` is yielded whole. A longer one is still read to its
// end (the next line must be found), but from the moment it passes the limit only its first
// `headBytes` are kept and the rest is counted and dropped, so memory stays at about
// maxBytes + headBytes + one input chunk whatever the input holds.
//
// Call order: (push* end), then discard.

export type InputLine =
  | { readonly kind: "line"; readonly number: number; readonly bytes: Buffer }
  | { readonly kind: "overlong"; readonly number: number; readonly length: number; readonly head: Buffer };

export interface LineLimits {
  readonly maxBytes: number;
  readonly headBytes: number;
}

export type InputChunk = Buffer | Uint8Array | string;

export async function* readLines(input: AsyncIterable<InputChunk> | Iterable<InputChunk>, limits: LineLimits): AsyncGenerator<InputLine> {
  const splitter = new LineSplitter(limits);
  for await (const chunk of input) yield* splitter.push(toBuffer(chunk));
  const last = splitter.end();
  if (last !== null) yield last;
}

export function toBuffer(chunk: InputChunk): Buffer {
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private length = 0;
  private lastByte = -1;
  /** Set once the current line has passed maxBytes + 1 (room for a "\r"); then parts stay empty. */
  private head: Buffer | null = null;
  private lineNumber = 0;

  constructor(private readonly limits: LineLimits) {
    if (!(limits.headBytes >= 0 && limits.headBytes <= limits.maxBytes)) throw new RangeError("headBytes must be 0..maxBytes");
  }

  /** Bytes kept of the line being read: all read so far, or the head of an over-long one. */
  get partialBytes(): number {
    return this.head !== null ? this.head.length : this.length;
  }

  /** The lines that end in `chunk`. */
  push(chunk: Buffer): InputLine[] {
    const lines: InputLine[] = [];
    for (let start = 0; ; ) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline >= 0 && this.length === 0 && newline - start <= this.limits.maxBytes) {
        lines.push(this.wholeLine(chunk, start, newline)); // the common case: no copy, no parts
      } else {
        this.append(chunk.subarray(start, newline < 0 ? chunk.length : newline));
        if (newline < 0) return lines;
        lines.push(this.finish());
      }
      start = newline + 1;
    }
  }

  /** The last line, if the input did not end with "\n". */
  end(): InputLine | null {
    return this.length > 0 ? this.finish() : null;
  }

  /** A line that lies wholly in chunk[start, newline) and is within the limit. */
  private wholeLine(chunk: Buffer, start: number, newline: number): InputLine {
    const end = newline > start && chunk[newline - 1] === 0x0d ? newline - 1 : newline;
    return { kind: "line", number: ++this.lineNumber, bytes: chunk.subarray(start, end) };
  }

  private append(segment: Buffer): void {
    if (segment.length === 0) return;
    this.length += segment.length;
    this.lastByte = segment[segment.length - 1]!;
    if (this.head !== null) return;
    if (this.length <= this.limits.maxBytes + 1) {
      this.parts.push(segment);
      return;
    }
    this.parts.push(segment);
    this.head = Buffer.from(Buffer.concat(this.parts, this.limits.headBytes));
    this.parts = [];
  }

  private finish(): InputLine {
    const number = ++this.lineNumber;
    const { parts, length, head, lastByte } = this;
    this.parts = [];
    this.length = 0;
    this.head = null;
    this.lastByte = -1;
    if (head !== null) return { kind: "overlong", number, length: lastByte === 0x0d ? length - 1 : length, head };
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
    if (lastByte === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length > this.limits.maxBytes) {
      return { kind: "overlong", number, length: bytes.length, head: Buffer.from(bytes.subarray(0, this.limits.headBytes)) };
    }
    return { kind: "line", number, bytes };
  }
}
