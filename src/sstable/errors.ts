// Corruption as a typed error: a stable code, the file, the byte offset where
// the check failed, and which check it was. Readers throw it; nothing in sstable/ returns a wrong
// value for bytes that fail a check.

export class CorruptionError extends Error {
  readonly code = "CORRUPTION";
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly check: string,
  ) {
    super(`corruption in ${file} at offset ${offset}: ${check}`);
    this.name = "CorruptionError";
  }
}

/** A well-formed file that uses a feature this reader does not implement (e.g. zstd blocks). */
export class UnsupportedError extends Error {
  readonly code = "NOT_SUPPORTED";
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly feature: string,
  ) {
    super(`${file} at offset ${offset}: unsupported ${feature}`);
    this.name = "UnsupportedError";
  }
}
