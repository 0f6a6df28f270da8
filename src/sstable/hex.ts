// Bytes and checksums as text, for error messages and layouts; no Buffer, so it runs in a browser.

export function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export const hex32 = (v: number) => `0x${v.toString(16).padStart(8, "0")}`;
