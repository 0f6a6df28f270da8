// Salvaging `src`, `dest` and `body.msg_id` from text that is not a whole JSON message: a line that
// fails JSON.parse, or the kept head of a line over the line limit (PROTOCOL.md section 2: such a
// line gets error 12 "if its head shows src and msg_id").
//
// A structural scan, not a regex: it reads the top-level object the way a JSON parser would,
// descends only into its "body" object, skips every other value whole, and stops at the first
// thing it cannot read or at the end of the text. So a "msg_id" inside a string, inside a nested
// object or at the top level is never taken for body.msg_id, nor a "src" inside the body for the
// envelope's. With `truncated`, the text is a prefix of a longer line, and a number running into
// its end is not taken (it may go on past the cut). Skipping a nested value counts brackets and
// skips strings without checking what lies between, so broken JSON inside a skipped value does
// not stop the scan. Iterative, so deep nesting cannot overflow the stack. Duplicate keys: the
// last one read wins, as with JSON.parse.

export interface Salvaged {
  src?: string;
  dest?: string;
  msgId?: number;
}

export function salvageFields(text: string, truncated: boolean): Salvaged {
  const found: Salvaged = {};
  const scan = new Scanner(text, truncated);
  if (scan.eat("{")) scanObject(scan, (key) => scanTopField(scan, key, found));
  return found;
}

/** Reads `{...}` members after the "{" up to the "}"; false when it had to stop early. */
function scanObject(scan: Scanner, member: (key: string) => boolean): boolean {
  if (scan.eat("}")) return true;
  do {
    const key = scan.peek() === '"' ? scan.string() : undefined;
    if (key === undefined || !scan.eat(":") || !member(key)) return false;
  } while (scan.eat(","));
  return scan.eat("}");
}

function scanTopField(scan: Scanner, key: string, found: Salvaged): boolean {
  if (key === "src" || key === "dest") {
    found[key] = undefined;
    if (scan.peek() !== '"') return scan.skipValue();
    const value = scan.string();
    found[key] = value;
    return value !== undefined;
  }
  if (key === "body") {
    found.msgId = undefined;
    if (scan.peek() !== "{") return scan.skipValue();
    scan.eat("{");
    return scanObject(scan, (bodyKey) => scanBodyField(scan, bodyKey, found));
  }
  return scan.skipValue();
}

function scanBodyField(scan: Scanner, key: string, found: Salvaged): boolean {
  if (key !== "msg_id") return scan.skipValue();
  found.msgId = undefined;
  const first = scan.peek();
  if (first === '"' || first === "{" || first === "[") return scan.skipValue();
  const token = scan.literal();
  if (token !== undefined && NUMBER.test(token)) found.msgId = Number(token);
  return token !== undefined;
}

const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const LITERAL = /[-+.0-9A-Za-z]+/y;

class Scanner {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly truncated: boolean,
  ) {}

  /** The next non-whitespace character, not consumed (undefined at the end). */
  peek(): string | undefined {
    while (this.pos < this.text.length && " \t\n\r".includes(this.text[this.pos])) this.pos++;
    return this.text[this.pos];
  }

  eat(ch: string): boolean {
    if (this.peek() !== ch) return false;
    this.pos++;
    return true;
  }

  /** A whole string literal at the cursor, decoded; undefined if unterminated or invalid. */
  string(): string | undefined {
    const end = this.stringEnd(this.pos);
    if (end < 0) return undefined;
    try {
      const value = JSON.parse(this.text.slice(this.pos, end)) as string;
      this.pos = end;
      return value;
    } catch {
      return undefined;
    }
  }

  /** A number or true/false/null token at the cursor, unless cut off by the end of a truncated text. */
  literal(): string | undefined {
    this.peek();
    return this.token(LITERAL);
  }

  /** Skips one value of any kind; false if it cannot be read to its end. */
  skipValue(): boolean {
    const first = this.peek();
    if (first === '"') return this.skipString();
    if (first === "{" || first === "[") return this.skipNested();
    return this.literal() !== undefined;
  }

  private token(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.pos;
    const match = pattern.exec(this.text);
    if (match === null) return undefined;
    const end = this.pos + match[0].length;
    if (this.truncated && end >= this.text.length) return undefined;
    this.pos = end;
    return match[0];
  }

  private skipString(): boolean {
    const end = this.stringEnd(this.pos);
    if (end >= 0) this.pos = end;
    return end >= 0;
  }

  private skipNested(): boolean {
    let depth = 0;
    for (let i = this.pos; i < this.text.length; i++) {
      const ch = this.text[i];
      if (ch === '"') {
        const end = this.stringEnd(i);
        if (end < 0) return false;
        i = end - 1;
      } else if (ch === "{" || ch === "[") {
        depth++;
      } else if ((ch === "}" || ch === "]") && --depth === 0) {
        this.pos = i + 1;
        return true;
      }
    }
    return false;
  }

  /** Index just past the closing quote of the string starting at `start`, or -1. */
  private stringEnd(start: number): number {
    for (let i = start + 1; i < this.text.length; i++) {
      const ch = this.text.charCodeAt(i);
      if (ch === 0x22) return i + 1;
      if (ch === 0x5c) i++;
    }
    return -1;
  }
}
