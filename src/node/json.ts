// JSON text exactly as Python's `json.dumps(value)` prints it with default arguments (PROTOCOL.md
// section 2: every reply line is compared byte for byte):
//
// - separators ", " and ": "; keys in insertion order (no sorting); `[]` and `{}` when empty;
// - ensure_ascii: every UTF-16 code unit outside printable ASCII (0x20..0x7e) is escaped as \uXXXX
//   in lowercase hex, so an astral character comes out as its surrogate pair, a lone surrogate as
//   itself, and DEL (0x7f) as \u007f, as Python does; the short escapes are \" \\ \n \r \t \b \f;
//   "/" is not escaped;
// - null, true, false.
//
// Numbers. A JS number has no int/float distinction, so the rule is: pythonJson(v) is what
// `json.dumps(json.loads(JSON.stringify(v)))` prints. An integral number below 1e21 in magnitude is
// a Python int, with JSON.stringify's digits (exact up to 2^53; 2^60 prints as 1152921504606847000;
// -0 as 0); any other finite number is a Python float, printed
// as float.__repr__ does (shortest round-trip digits, exponent form when the decimal point falls
// before the 4th leading zero or after the 16th digit: 1e-05, 0.0001, 1e+16, 1.5). A bigint prints
// as its digits. NaN and the infinities throw: Python would print NaN/Infinity, which no JSON reader
// takes.
//
// Throws a TypeError for anything that is not JSON: undefined, functions, symbols, non-plain
// objects (Map, Date, Buffer...), array holes, and circular structures.
// Caveat of JS objects, not of this encoder: integer-like keys ("2") are enumerated first.

export function pythonJson(value: unknown): string {
  return encode(value, new Set());
}

/** A JSON string literal with Python's ensure_ascii escaping. */
export function pythonString(text: string): string {
  return NEEDS_ESCAPE_TEST.test(text) ? `"${text.replace(NEEDS_ESCAPE, escapeUnit)}"` : `"${text}"`;
}

// No `u` flag: the class matches single UTF-16 code units, so surrogates are escaped one by one.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/g;
const NEEDS_ESCAPE_TEST = /["\\\u0000-\u001f\u007f-\uffff]/;

const SHORT_ESCAPES = new Map([
  ['"', '\\"'],
  ["\\", "\\\\"],
  ["\n", "\\n"],
  ["\r", "\\r"],
  ["\t", "\\t"],
  ["\b", "\\b"],
  ["\f", "\\f"],
]);

function escapeUnit(unit: string): string {
  return SHORT_ESCAPES.get(unit) ?? `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

function encode(value: unknown, open: Set<object>): string {
  switch (typeof value) {
    case "string":
      return pythonString(value);
    case "number":
      return pythonNumber(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    case "object":
      return value === null ? "null" : encodeContainer(value, open);
    default:
      throw new TypeError(`pythonJson: a ${typeof value} is not JSON`);
  }
}

function encodeContainer(value: object, open: Set<object>): string {
  if (open.has(value)) throw new TypeError("pythonJson: circular reference");
  open.add(value);
  try {
    if (Array.isArray(value)) return encodeArray(value, open);
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`pythonJson: a ${value.constructor?.name ?? "non-plain"} object is not JSON`);
    }
    return encodeObject(value as Record<string, unknown>, open);
  } finally {
    open.delete(value);
  }
}

function encodeArray(items: readonly unknown[], open: Set<object>): string {
  const parts: string[] = [];
  for (let i = 0; i < items.length; i++) {
    if (!(i in items)) throw new TypeError(`pythonJson: array hole at index ${i}`);
    parts.push(encode(items[i], open));
  }
  return `[${parts.join(", ")}]`;
}

function encodeObject(record: Record<string, unknown>, open: Set<object>): string {
  const parts: string[] = [];
  for (const key of Object.keys(record)) {
    if (record[key] === undefined) throw new TypeError(`pythonJson: field ${JSON.stringify(key)} is undefined (use null)`);
    parts.push(`${pythonString(key)}: ${encode(record[key], open)}`);
  }
  return `{${parts.join(", ")}}`;
}

/** A finite number as json.dumps prints it after json.loads(JSON.stringify(x)) (see the header). */
export function pythonNumber(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`pythonJson: ${x} is not JSON`);
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return x === 0 ? "0" : String(x);
  return pythonFloatRepr(x);
}

/** Python's float.__repr__ (mode 'r' of PyOS_double_to_string) for a finite, non-zero x. */
function pythonFloatRepr(x: number): string {
  // toExponential() with no argument gives the shortest digits that round-trip, as repr does.
  const [mantissa, exponent] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const decimalPoint = Number(exponent) + 1; // x = 0.DIGITS * 10^decimalPoint
  const sign = x < 0 ? "-" : "";
  if (decimalPoint > -4 && decimalPoint <= 16) return sign + fixedNotation(digits, decimalPoint);
  const e = decimalPoint - 1;
  const fraction = digits.length > 1 ? `.${digits.slice(1)}` : "";
  return `${sign}${digits[0]}${fraction}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

function fixedNotation(digits: string, decimalPoint: number): string {
  if (decimalPoint <= 0) return `0.${"0".repeat(-decimalPoint)}${digits}`;
  if (decimalPoint >= digits.length) return `${digits}${"0".repeat(decimalPoint - digits.length)}.0`;
  return `${digits.slice(0, decimalPoint)}.${digits.slice(decimalPoint)}`;
}
