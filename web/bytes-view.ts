// Keys and values on the page: as text when their bytes are UTF-8 (control characters escaped), or
// as hex, and keys typed in either form.

export type BytesView = "text" | "hex";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

export function hexOf(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, "0");
  return s;
}

/** The text of b when it is UTF-8, else null. */
export function textOf(b: Uint8Array): string | null {
  try {
    return utf8.decode(b);
  } catch {
    return null;
  }
}

/** How b is shown: its text (with control characters escaped) or its hex; `hex` says which it is. */
export function shown(b: Uint8Array, view: BytesView): { text: string; hex: boolean } {
  const text = view === "text" ? textOf(b) : null;
  if (text === null) return { text: hexOf(b), hex: true };
  return { text: text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`), hex: false };
}

/** A key typed in the page: its UTF-8, or hex digits; throws an Error saying what is wrong. */
export function keyFromInput(text: string, hex: boolean): Uint8Array {
  if (!hex) return encoder.encode(text);
  const digits = text.replace(/\s+/g, "");
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`not hex: ${JSON.stringify(text)} (an even number of hex digits)`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}
