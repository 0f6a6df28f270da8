// leveldb_read.cc — reads a table file with LevelDB's own reader (leveldb::Table), for
// test/compat/leveldb.test.ts, which compiles it into a temp dir:
//   g++ -std=c++17 -O1 -o DIR/leveldb_read test/compat/leveldb_read.cc -lleveldb
//
// Usage: leveldb_read FILE [SEEK_TARGET_HEX ...]
// Prints, on stdout, one line per entry in table order:
//   entry <hex(internal key)> <hex(value)>
// then for each seek target (an internal key, in hex), the entry the iterator lands on:
//   seek <hex(target)> <hex(internal key)> <hex(value)>     or     seek <hex(target)> END
// and finally "count N". Exits 1 with the status on stderr if LevelDB reports any error.
//
// Checksums are verified everywhere: Options::paranoid_checks (the index block on open) and
// ReadOptions::verify_checksums (every data block). Table keys are internal keys (user key +
// fixed64 LE of seq << 8 | type), so the comparator orders them as LevelDB's
// InternalKeyComparator does: user key bytewise ascending, then the 8-byte trailer descending.
// Its Name() is the InternalKeyComparator's. No filter policy: LevelDB then skips the metaindex,
// and our filter ("filter.wasm-lsm.BlockedBloom512") is one LevelDB would not know anyway.
#include <leveldb/comparator.h>
#include <leveldb/env.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/slice.h>
#include <leveldb/status.h>
#include <leveldb/table.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace {

uint64_t Trailer(const leveldb::Slice& k) {
  uint64_t t = 0;
  for (int i = 7; i >= 0; i--) t = (t << 8) | static_cast<unsigned char>(k.data()[k.size() - 8 + i]);
  return t;
}

class InternalKeyOrder : public leveldb::Comparator {
 public:
  const char* Name() const override { return "leveldb.InternalKeyComparator"; }

  int Compare(const leveldb::Slice& a, const leveldb::Slice& b) const override {
    if (a.size() < 8 || b.size() < 8) {
      // Not an internal key: a table that holds one is broken; order it bytewise so we can report it.
      return a.compare(b);
    }
    int r = leveldb::Slice(a.data(), a.size() - 8).compare(leveldb::Slice(b.data(), b.size() - 8));
    if (r != 0) return r;
    uint64_t ta = Trailer(a), tb = Trailer(b);
    return ta > tb ? -1 : ta < tb ? 1 : 0;
  }

  // Reading only: the index keys are already in the file, so no shortening is needed.
  void FindShortestSeparator(std::string*, const leveldb::Slice&) const override {}
  void FindShortSuccessor(std::string*) const override {}
};

std::string Hex(const leveldb::Slice& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 2);
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

bool FromHex(const char* h, std::string* out) {
  size_t n = std::strlen(h);
  if (n % 2 != 0) return false;
  out->clear();
  for (size_t i = 0; i < n; i += 2) {
    unsigned int byte;
    if (std::sscanf(h + i, "%2x", &byte) != 1) return false;
    out->push_back(static_cast<char>(byte));
  }
  return true;
}

int Fail(const char* what, const leveldb::Status& s) {
  std::fprintf(stderr, "leveldb_read: %s: %s\n", what, s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [SEEK_TARGET_HEX ...]\n", argv[0]);
    return 2;
  }
  InternalKeyOrder order;
  leveldb::Options options;
  options.comparator = &order;
  options.paranoid_checks = true;
  options.filter_policy = nullptr;
  leveldb::Env* env = leveldb::Env::Default();

  uint64_t size = 0;
  leveldb::Status s = env->GetFileSize(argv[1], &size);
  if (!s.ok()) return Fail("GetFileSize", s);
  leveldb::RandomAccessFile* raw_file = nullptr;
  s = env->NewRandomAccessFile(argv[1], &raw_file);
  if (!s.ok()) return Fail("NewRandomAccessFile", s);
  std::unique_ptr<leveldb::RandomAccessFile> file(raw_file);
  leveldb::Table* raw_table = nullptr;
  s = leveldb::Table::Open(options, file.get(), size, &raw_table);
  if (!s.ok()) return Fail("Table::Open", s);
  std::unique_ptr<leveldb::Table> table(raw_table);

  leveldb::ReadOptions read;
  read.verify_checksums = true;
  read.fill_cache = false;

  long count = 0;
  {
    std::unique_ptr<leveldb::Iterator> it(table->NewIterator(read));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::printf("entry %s %s\n", Hex(it->key()).c_str(), Hex(it->value()).c_str());
      count++;
    }
    if (!it->status().ok()) return Fail("iterating", it->status());
  }
  for (int i = 2; i < argc; i++) {
    std::string target;
    if (!FromHex(argv[i], &target)) {
      std::fprintf(stderr, "leveldb_read: seek target is not hex: %s\n", argv[i]);
      return 2;
    }
    std::unique_ptr<leveldb::Iterator> it(table->NewIterator(read));
    it->Seek(target);
    if (it->Valid()) {
      std::printf("seek %s %s %s\n", argv[i], Hex(it->key()).c_str(), Hex(it->value()).c_str());
    } else {
      if (!it->status().ok()) return Fail("seek", it->status());
      std::printf("seek %s END\n", argv[i]);
    }
  }
  std::printf("count %ld\n", count);
  return 0;
}
