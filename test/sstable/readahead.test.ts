// Readahead on table scans (src/sstable/readahead.ts), seen through a file that records its reads:
// a forward or backward scan of a many-block table reads far fewer times than it has blocks, each
// read ahead twice the one before (8 KiB to 256 KiB beyond its block), never past the data blocks;
// the first block after a seek, and a point get, are read alone; blocks read ahead go into the
// block cache only where they fit without evicting one; a corrupt block in the middle of a scan
// gives the CorruptionError a point read of it gives; Snappy blocks read back the same.
import { describe, expect, test } from "vitest";
import { NodeRandomAccessFile } from "../../src/io/node-file.js";
import { KeyOrder } from "../../src/kernels/types.js";
import { BlockIterator } from "../../src/sstable/block.js";
import { BlockCache } from "../../src/sstable/block-cache.js";
import { CorruptionError } from "../../src/sstable/errors.js";
import { MemoryFile, type RandomAccessFile } from "../../src/sstable/file.js";
import { BLOCK_TRAILER_SIZE, internalKey, ValueKind } from "../../src/sstable/format.js";
import { READAHEAD_INITIAL, READAHEAD_MAX } from "../../src/sstable/readahead.js";
import { Table, type TableIterator } from "../../src/sstable/reader.js";
import { TableBuilder } from "../../src/sstable/writer.js";
import { bothPaths, hex, utf8 } from "../kernels/kernels.js";

/** A file that records every read made of it. */
class CountingFile implements RandomAccessFile {
  readonly reads: { offset: number; length: number }[] = [];
  constructor(private readonly inner: RandomAccessFile) {}
  get name(): string {
    return this.inner.name;
  }
  get size(): number {
    return this.inner.size;
  }
  read(offset: number, length: number): Uint8Array {
    this.reads.push({ offset, length });
    return this.inner.read(offset, length);
  }
  close(): void {
    this.inner.close();
  }
}

const ENTRIES = 12_000; // 16-byte keys, 100-byte values: about 350 blocks of 4 KiB
const keyOf = (i: number) => utf8(`key-${String(i).padStart(12, "0")}`);
const valueOf = (i: number) => utf8(`${i}:`.padEnd(100, String.fromCharCode(97 + (i % 26))));

type Kernels = (typeof bothPaths)[number][1];

function tableBytes(kernels: Kernels): Uint8Array {
  const file = new MemoryFile("scan.sst");
  const b = new TableBuilder(file, { kernels });
  for (let i = 0; i < ENTRIES; i++) b.add(internalKey(keyOf(i), i + 1, ValueKind.VALUE), valueOf(i));
  b.finish();
  return file.contents();
}

/** Opens bytes through a counting file; its reads are cleared after open. */
function open(kernels: Kernels, bytes: Uint8Array, blockCacheBytes = 0): { table: Table; file: CountingFile } {
  const file = new CountingFile(new MemoryFile("scan.sst", bytes));
  const table = Table.open(file, { kernels, blockCacheBytes });
  file.reads.length = 0;
  return { table, file };
}

const show = (e: { userKey: Uint8Array; sequence: number; value: Uint8Array }) => `${hex(e.userKey)}@${e.sequence}=${hex(e.value)}`;
const expected = Array.from({ length: ENTRIES }, (_, i) => `${hex(keyOf(i))}@${i + 1}=${hex(valueOf(i))}`);

/** Every entry, read block by block through dataBlock() (no readahead): what a scan must give. */
function blockByBlock(table: Table): string[] {
  const out: string[] = [];
  for (const h of table.dataHandles()) {
    const it = new BlockIterator(table.dataBlock(h), KeyOrder.INTERNAL, table.file.name, h.offset);
    for (let e = it.first(); e !== null; e = it.next()) out.push(show({ ...table.parseKey(e.key, h.offset), value: e.value }));
  }
  return out;
}

function scanForward(it: TableIterator): string[] {
  const out: string[] = [];
  for (let e = it.first(); e !== null; e = it.next()) out.push(show(e));
  return out;
}

function scanBackward(it: TableIterator): string[] {
  const out: string[] = [];
  for (let e = it.last(); e !== null; e = it.prev()) out.push(show(e));
  return out;
}

/** The bytes (with trailer) of the data block that starts at offset; fails if none does. */
function blockAt(table: Table, offset: number) {
  const h = table.dataHandles().find((x) => x.offset === offset);
  expect(h, `a read at ${offset} starts a data block`).toBeDefined();
  return h!.size + BLOCK_TRAILER_SIZE;
}

describe.each(bothPaths)("readahead (%s kernels)", (_name, kernels) => {
  const bytes = tableBytes(kernels);

  test("a forward scan reads each block once, in few reads, each reading ahead twice as far as the one before", () => {
    const { table, file } = open(kernels, bytes);
    const blocks = table.dataHandles().length;
    expect(blocks).toBeGreaterThan(300);
    expect(scanForward(table.iterator())).toEqual(expected);
    const reads = file.reads;
    // first() reads block 0 alone; then reads ahead 8, 16, ... 256 KiB past the block, clipped at the data's end
    expect(reads[0]).toEqual({ offset: 0, length: blockAt(table, 0) });
    for (let k = 1; k < reads.length; k++) {
      const { offset, length } = reads[k];
      // it reads the first block the read before did not hold whole (a span ends inside a block)
      const before = reads[k - 1].offset + reads[k - 1].length;
      expect(offset).toBeLessThanOrEqual(before);
      expect(offset + blockAt(table, offset)).toBeGreaterThan(before);
      const extra = Math.min(READAHEAD_INITIAL * 2 ** (k - 1), READAHEAD_MAX);
      const end = Math.min(table.dataEnd, offset + blockAt(table, offset) + extra);
      expect(offset + length, `read ${k}`).toBe(end);
    }
    expect(reads[reads.length - 1].offset + reads[reads.length - 1].length).toBe(table.dataEnd);
    // 1 + 6 reads to reach 256 KiB (8+16+...+256 = 504 KiB), then one per 256 KiB
    const bound = 7 + Math.ceil(Math.max(0, table.dataEnd - 504 * 1024) / READAHEAD_MAX) + 1;
    expect(reads.length).toBeLessThanOrEqual(bound);
    expect(reads.length).toBeLessThan(blocks / 20);
    table.close();
  });

  test("a backward scan gives every entry in reverse, and reads ahead backwards", () => {
    const { table, file } = open(kernels, bytes);
    const blocks = table.dataHandles();
    expect(scanBackward(table.iterator())).toEqual([...expected].reverse());
    const last = blocks[blocks.length - 1];
    expect(file.reads[0]).toEqual({ offset: last.offset, length: last.size + BLOCK_TRAILER_SIZE });
    // each read ends with the last block the read before did not hold whole, and goes back 8 KiB, 16 KiB, ...
    for (let k = 1; k < file.reads.length; k++) {
      const { offset, length } = file.reads[k];
      const block = blocks.findIndex((h) => h.offset + h.size + BLOCK_TRAILER_SIZE === offset + length);
      expect(block).toBeGreaterThanOrEqual(0);
      expect(blocks[block].offset).toBeLessThan(file.reads[k - 1].offset);
      expect(offset + length).toBeGreaterThanOrEqual(file.reads[k - 1].offset);
      const extra = Math.min(READAHEAD_INITIAL * 2 ** (k - 1), READAHEAD_MAX);
      expect(offset).toBe(Math.max(0, blocks[block].offset - extra));
    }
    expect(file.reads[file.reads.length - 1].offset).toBe(0);
    expect(file.reads.length).toBeLessThan(blocks.length / 20);
    table.close();
  });

  test("a seek reads its block alone and starts the readahead again from 8 KiB", () => {
    const { table, file } = open(kernels, bytes);
    const handles = table.dataHandles();
    const it = table.iterator();
    let e = it.first();
    for (let i = 0; i < 3000; i++) e = it.next(); // well into the growth
    expect(e && show(e)).toBe(expected[3000]);
    const grown = file.reads.length;
    expect(grown).toBeGreaterThan(3);

    // a key in a block the span already holds: read alone all the same
    const target = 3100;
    e = it.seekGE(keyOf(target));
    expect(e && show(e)).toBe(expected[target]);
    const seekRead = file.reads[grown];
    expect(file.reads).toHaveLength(grown + 1);
    expect(seekRead.length).toBe(blockAt(table, seekRead.offset));
    const seekBlock = handles.findIndex((h) => h.offset === seekRead.offset);

    // next into the following block: that block and 8 KiB more
    let i = target;
    while (file.reads.length === grown + 1) {
      e = it.next();
      expect(e && show(e)).toBe(expected[++i]);
    }
    const next = handles[seekBlock + 1];
    expect(file.reads[grown + 1]).toEqual({ offset: next.offset, length: next.size + BLOCK_TRAILER_SIZE + READAHEAD_INITIAL });

    // seekLT lands in the block before seekGE's when the key starts a block: that block alone too
    const startOfBlock = handles[seekBlock + 40];
    const firstKey = new BlockIterator(table.dataBlock(startOfBlock), KeyOrder.INTERNAL, "", startOfBlock.offset).first()!.key;
    const k = expected.findIndex((s) => s.startsWith(hex(firstKey.subarray(0, firstKey.length - 8)) + "@"));
    file.reads.length = 0;
    e = it.seekLT(keyOf(k));
    expect(e && show(e)).toBe(expected[k - 1]);
    const before = handles[seekBlock + 39];
    expect(file.reads).toEqual([
      { offset: startOfBlock.offset, length: startOfBlock.size + BLOCK_TRAILER_SIZE },
      { offset: before.offset, length: before.size + BLOCK_TRAILER_SIZE },
    ]);
    it.close();
    table.close();
  });

  test("a point get reads its one block alone, between the moves of a scan too", () => {
    const { table, file } = open(kernels, bytes);
    const it = table.iterator();
    it.first();
    for (let i = 0; i < 500; i++) it.next();
    const before = file.reads.length;
    const r = table.get(keyOf(9000));
    expect(r.found).toBe(true);
    expect(hex(r.value!)).toBe(hex(valueOf(9000)));
    expect(r.diskReads).toBe(1);
    expect(file.reads).toHaveLength(before + 1);
    expect(file.reads[before].length).toBe(blockAt(table, file.reads[before].offset));
    // the scan goes on where it was
    expect(show(it.next()!)).toBe(expected[501]);
    it.close();
    table.close();
  });

  test("blocks read ahead go into the block cache: a second scan reads nothing", () => {
    const { table, file } = open(kernels, bytes, 8 << 20);
    expect(scanForward(table.iterator())).toEqual(expected);
    const n = file.reads.length;
    expect(scanForward(table.iterator())).toEqual(expected);
    expect(scanBackward(table.iterator())).toEqual([...expected].reverse());
    expect(file.reads).toHaveLength(n);
    table.close();
  });

  test("a scan fills only the cache's free room: it never evicts a block, and the cache stays under its limit", () => {
    const cache = new BlockCache(64 * 1024);
    const file = new CountingFile(new MemoryFile("scan.sst", bytes));
    const table = Table.open(file, { kernels, blockCache: cache });
    file.reads.length = 0;
    expect(table.get(keyOf(9000)).diskReads).toBe(1); // a point get caches its block
    const it = table.iterator();
    const got: string[] = [];
    for (let e = it.first(); e !== null; e = it.next()) {
      got.push(show(e));
      expect(cache.bytes).toBeLessThanOrEqual(cache.limit);
    }
    expect(got).toEqual(expected);
    const full = cache.blocks;
    expect(full).toBeGreaterThan(10); // the first blocks read ahead went in while there was room
    expect(cache.hasRoom(4200)).toBe(false);
    // the get's block is still there: a scan pushed nothing out
    expect(table.get(keyOf(9000)).diskReads).toBe(0);
    // and the first blocks, cached by the scan, are served from the cache by the next one
    const before = file.reads.length;
    const again = table.iterator();
    let e = again.first();
    for (let i = 0; i < 100; i++) e = again.next();
    expect(e && show(e)).toBe(expected[100]);
    expect(file.reads).toHaveLength(before);
    again.close();
    table.close();
  });

  test("blocks held uncached are released: a scan keeps loaded only the cache's blocks and its current one", () => {
    let live = 0;
    const counting: Kernels = Object.create(kernels);
    counting.loadBlock = (contents) => {
      const block = kernels.loadBlock(contents);
      live++;
      return { contents: block.contents, seek: (t, o) => block.seek(t, o), seekIndex: (t, o) => block.seekIndex(t, o), release: () => (live--, block.release()) };
    };
    const cache = new BlockCache(64 * 1024);
    const table = Table.open(new MemoryFile("scan.sst", bytes), { kernels: counting, blockCache: cache });
    const index = live; // the index block
    expect(scanForward(table.iterator())).toHaveLength(ENTRIES);
    expect(live).toBeLessThanOrEqual(index + cache.blocks + 1);
    table.close();
    expect(live).toBe(0);
  });

  test("a corrupt block in the middle stops a scan with the CorruptionError a point read gives", () => {
    const { table: sound } = open(kernels, bytes);
    const handles = sound.dataHandles();
    const bad = handles[Math.floor(handles.length / 2)];
    const broken = bytes.slice();
    broken[bad.offset + 100] ^= 0x40;

    const pointError = (() => {
      const { table } = open(kernels, broken);
      try {
        table.dataBlock(bad);
      } catch (err) {
        return err;
      } finally {
        table.close();
      }
    })();
    expect(pointError).toBeInstanceOf(CorruptionError);
    expect(pointError).toMatchObject({ file: "scan.sst", offset: bad.offset });
    expect((pointError as CorruptionError).check).toMatch(/^data block crc32c mismatch/);

    for (const cacheBytes of [0, 8 << 20]) {
      for (const backward of [false, true]) {
        const { table, file } = open(kernels, broken, cacheBytes);
        const it = table.iterator();
        const got: string[] = [];
        let error: unknown = null;
        try {
          for (let e = backward ? it.last() : it.first(); e !== null; e = backward ? it.prev() : it.next()) got.push(show(e));
        } catch (err) {
          error = err;
        }
        expect(error).toEqual(pointError);
        expect((error as CorruptionError).check).toBe((pointError as CorruptionError).check);
        // every entry on the way to the bad block came back right
        expect(got).toEqual(backward ? [...expected].reverse().slice(0, got.length) : expected.slice(0, got.length));
        expect(got.length).toBeGreaterThan(ENTRIES / 3);
        expect(file.reads.length).toBeLessThan(handles.length / 20);
        table.close();
      }
    }
    sound.close();
  });

  test("LevelDB's Snappy table scans the same both ways through readahead", () => {
    const file = new CountingFile(new NodeRandomAccessFile("test/fixtures/foreign/leveldb-snappy.ldb"));
    const table = Table.open(file, { kernels, blockCacheBytes: 0 });
    const reference = blockByBlock(table);
    const blocks = table.dataHandles().length;
    expect(blocks).toBeGreaterThan(4);
    file.reads.length = 0;
    expect(scanForward(table.iterator())).toEqual(reference);
    expect(file.reads.length).toBeLessThan(blocks);
    file.reads.length = 0;
    expect(scanBackward(table.iterator())).toEqual([...reference].reverse());
    expect(file.reads.length).toBeLessThan(blocks);
    for (const r of file.reads) expect(r.offset + r.length).toBeLessThanOrEqual(table.dataEnd);
    table.close();
  });
});
