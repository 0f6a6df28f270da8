// The few parts of the Origin Private File System (the File System standard, WHATWG) that
// opfs-env.ts uses, declared here so that src/ needs no DOM types and a test can give a fake.
// In a dedicated worker, `navigator.storage.getDirectory()` gives a directory of this shape.

/** FileSystemSyncAccessHandle: synchronous reads and writes at an offset; only in a dedicated worker. */
export interface OpfsAccessHandle {
  /** Reads into buffer from offset `at`; returns the bytes read (fewer at the end of the file). */
  read(buffer: Uint8Array, options: { at: number }): number;
  /** Writes buffer at offset `at`; returns the bytes written. */
  write(buffer: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  getSize(): number;
  /** Makes the bytes written durable (the standard's "persists any changes ... to disk"). */
  flush(): void;
  close(): void;
}

/** FileSystemFileHandle. createSyncAccessHandle fails (NoModificationAllowedError) while another handle is open. */
export interface OpfsFileHandle {
  readonly kind: "file";
  readonly name: string;
  createSyncAccessHandle(): Promise<OpfsAccessHandle>;
}

/** FileSystemDirectoryHandle. */
export interface OpfsDirectory {
  readonly kind: "directory";
  readonly name: string;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<OpfsFileHandle>;
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<OpfsDirectory>;
  removeEntry(name: string, options?: { recursive?: boolean }): Promise<void>;
  /** The names of its entries (an async iterator, as the standard's keys()). */
  keys(): AsyncIterable<string>;
}
