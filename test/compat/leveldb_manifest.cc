// leveldb_manifest.cc — LevelDB's side of test/compat/leveldb-manifest.test.ts, which compiles it:
//   g++ -std=c++17 -O1 -o DIR/leveldb_manifest test/compat/leveldb_manifest.cc -lleveldb
//
// Usage:
//   leveldb_manifest create DIR   make a database in DIR (which must not exist): puts, overwrites and
//                                 deletes, flushed and compacted by CompactRange(nullptr, nullptr)
//                                 with small memtables and tables, so the MANIFEST holds new-file,
//                                 deleted-file and compact-pointer edits and several tables.
//   leveldb_manifest read DIR     open an existing database (paranoid checks on).
// Both then print, on stdout: "writes N" (create only: the sequence numbers used), the
// "leveldb.sstables" property between "sstables-begin" and "sstables-end" lines, one
// "kv <hex key> <hex value>" line per live key in order (checksums verified), and "count N".
// Exits 1 with LevelDB's status on stderr on any error.
#include <leveldb/db.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/slice.h>
#include <leveldb/status.h>
#include <leveldb/write_batch.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace {

std::string Hex(const leveldb::Slice& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

bool Check(const leveldb::Status& s, const char* what) {
  if (s.ok()) return true;
  std::fprintf(stderr, "leveldb_manifest: %s: %s\n", what, s.ToString().c_str());
  return false;
}

std::string Key(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key%06d", i);
  return buf;
}

// 100 bytes that snappy cannot shrink much (so tables reach max_file_size): a label, then letters
// from a small generator seeded by the key and round.
std::string Value(int i, int round) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "value-%06d-%d-", i, round);
  std::string out(buf);
  uint32_t x = static_cast<uint32_t>(i) * 2654435761u + static_cast<uint32_t>(round) + 1;
  while (out.size() < 100) {
    x = x * 1103515245u + 12345u;
    out.push_back(static_cast<char>('a' + (x >> 16) % 26));
  }
  return out;
}

const int kKeys = 25000;

// Rounds 0-2 over all the keys: every key put, then every third overwritten, then every seventh
// deleted. Round 3 overwrites keys 1000..1199, round 4 keys 1100..1149 and deletes 1150..1159.
// Returns the number of writes (each takes one sequence number), or -1 on an error.
long Populate(leveldb::DB* db, int round, long writes) {
  leveldb::WriteOptions wo;
  for (int i = 0; i < kKeys; i++) {
    leveldb::Status s;
    if (round == 0 || (round == 1 && i % 3 == 0) || (round == 3 && i >= 1000 && i < 1200) || (round == 4 && i >= 1100 && i < 1150)) {
      s = db->Put(wo, Key(i), Value(i, round));
    } else if ((round == 2 && i % 7 == 0) || (round == 4 && i >= 1150 && i < 1160)) {
      s = db->Delete(wo, Key(i));
    } else {
      continue;
    }
    if (!Check(s, "write")) return -1;
    writes++;
  }
  return writes;
}

// Flushes the memtable without compacting any level: a range no table holds. LevelDB's
// PickLevelForMemTableOutput then places the flushed table above the first level it overlaps,
// so round 3's table lands in L1 (over L2's) and round 4's in L0 (over L1's).
void FlushOnly(leveldb::DB* db) {
  leveldb::Slice begin("zz-none"), end("zz-none-end");
  db->CompactRange(&begin, &end);
}

bool Dump(leveldb::DB* db) {
  std::string sstables;
  if (!db->GetProperty("leveldb.sstables", &sstables)) {
    std::fprintf(stderr, "leveldb_manifest: no leveldb.sstables property\n");
    return false;
  }
  std::printf("sstables-begin\n%ssstables-end\n", sstables.c_str());
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(ro));
  long count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::printf("kv %s %s\n", Hex(it->key()).c_str(), Hex(it->value()).c_str());
    count++;
  }
  if (!Check(it->status(), "iterate")) return false;
  std::printf("count %ld\n", count);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "create") != 0 && std::strcmp(argv[1], "read") != 0)) {
    std::fprintf(stderr, "usage: leveldb_manifest create|read DIR\n");
    return 2;
  }
  const bool create = std::strcmp(argv[1], "create") == 0;
  leveldb::Options options;
  options.paranoid_checks = true;
  options.create_if_missing = create;
  options.error_if_exists = create;
  options.write_buffer_size = 64 * 1024;  // many flushes
  options.max_file_size = 1 << 20;        // the least SanitizeOptions allows: several tables per level
  leveldb::DB* raw = nullptr;
  if (!Check(leveldb::DB::Open(options, argv[2], &raw), "open")) return 1;
  std::unique_ptr<leveldb::DB> db(raw);
  if (create) {
    long writes = 0;
    for (int round = 0; round < 3 && writes >= 0; round++) writes = Populate(db.get(), round, writes);
    // Waits until the memtable is flushed and every level compacted; the flushes after it start no
    // compaction (one L0 table, levels far below their size targets), so the property printed
    // below is the version in the MANIFEST.
    if (writes >= 0) db->CompactRange(nullptr, nullptr);
    if (writes >= 0) writes = Populate(db.get(), 3, writes);
    if (writes >= 0) FlushOnly(db.get());
    if (writes >= 0) writes = Populate(db.get(), 4, writes);
    if (writes >= 0) FlushOnly(db.get());
    if (writes < 0) return 1;
    std::printf("writes %ld\n", writes);
  }
  return Dump(db.get()) ? 0 : 1;
}
