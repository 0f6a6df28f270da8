// The native side of the table workloads (bench/tables.ts): LevelDB's TableBuilder and Table, and
// RocksDB's SstFileWriter and SstFileReader, on the same data as ours (bench/table-data.ts; the two
// files must generate identical keys, values and lookups). bench/native.ts compiles it with
//   g++ -O2 -std=c++17 table_bench.cc -lleveldb -lrocksdb -lsnappy -lpthread
// (or with -DWITHOUT_ROCKSDB / -DWITHOUT_LEVELDB when only one library is installed).
//
// One run of the program serves one case (see serve() for the protocol on stdin and stdout):
//   table_bench mode=info                                         (prints the libraries' versions)
//   table_bench mode=build impl=leveldb|rocksdb n=N path=P warmups=K warmup_ms=W
//   table_bench mode=get impl=leveldb|leveldb-mmap|rocksdb n=N path=P present=1|0 lookups=L
//               cache_bytes=C warmups=K warmup_ms=W
//   table_bench mode=bloom n=N lookups=L warmups=K warmup_ms=W    (LevelDB's Bloom probe alone)
//
// Keys: LevelDB's table gets internal keys at sequence 0 (user key + fixed64(0 << 8 | 1)) under an
// internal-key comparator and a filter policy that strips the trailer, exactly as LevelDB's own DB
// writes and reads tables (db/dbformat.cc); RocksDB's SstFileWriter adds the same trailer itself.

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef WITHOUT_LEVELDB
#include <leveldb/cache.h>
#include <leveldb/comparator.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/options.h>
#include <leveldb/table.h>
#include <leveldb/table_builder.h>
#endif

#ifndef WITHOUT_ROCKSDB
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/version.h>

#include "measure.h"
#endif

// ---- The data (bench/table-data.ts has the same definitions) ----

static const uint32_t VALUE_SEED = 0x7ab1e5u;
static const uint32_t LOOKUP_SEED = 0x100c0b5u;
static const int KEY_BYTES = 15;   // "user:" + 10 digits
static const int VALUE_BYTES = 64;
static const int TRAILER_BYTES = 8;
static const uint64_t KEY_STEP = 2;  // present keys are even numbers, absent keys the odd ones between


static void put_user_key(char* out, uint64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "user:%010llu", static_cast<unsigned long long>(number));
  std::memcpy(out, buf, KEY_BYTES);
}

/** N user keys laid end to end: entry i is key number i * KEY_STEP (+ 1 when absent). */
static std::string user_keys(uint64_t n, bool present) {
  std::string out(n * KEY_BYTES, '\0');
  for (uint64_t i = 0; i < n; i++) put_user_key(&out[i * KEY_BYTES], i * KEY_STEP + (present ? 0 : 1));
  return out;
}

/** Value i: 16 little-endian words, word w = fmix32(i * 16 + w + VALUE_SEED). */
static std::string values(uint64_t n) {
  std::string out(n * VALUE_BYTES, '\0');
  for (uint64_t i = 0; i < n; i++) {
    for (uint32_t w = 0; w < VALUE_BYTES / 4; w++) {
      uint32_t x = fmix32(static_cast<uint32_t>(i * 16 + w + VALUE_SEED));
      std::memcpy(&out[i * VALUE_BYTES + w * 4], &x, 4);  // x86: little endian
    }
  }
  return out;
}

/** Lookup j asks for key fmix32(j * 0x9e3779b9 + LOOKUP_SEED) % n. */
static std::vector<uint32_t> lookup_targets(uint64_t n, uint64_t lookups) {
  std::vector<uint32_t> out(lookups);
  for (uint64_t j = 0; j < lookups; j++) out[j] = fmix32(static_cast<uint32_t>(j) * 0x9e3779b9u + LOOKUP_SEED) % n;
  return out;
}

/** The lookups' keys in lookup order, laid end to end (bench/table-data.ts lookupKeys). */
static std::string lookup_keys(uint64_t n, uint64_t lookups, bool present) {
  const std::vector<uint32_t> targets = lookup_targets(n, lookups);
  std::string out(lookups * KEY_BYTES, '\0');
  for (uint64_t j = 0; j < lookups; j++) put_user_key(&out[j * KEY_BYTES], targets[j] * KEY_STEP + (present ? 0 : 1));
  return out;
}

static inline uint32_t load_u32(const char* p) {
  uint32_t x;
  std::memcpy(&x, p, 4);
  return x;
}

static inline uint64_t load_u64(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}

// ---- Measuring ----




struct Args {
  std::map<std::string, std::string> kv;
  std::string str(const char* name) const {
    auto it = kv.find(name);
    if (it == kv.end()) throw std::runtime_error(std::string("missing argument ") + name);
    return it->second;
  }
  uint64_t num(const char* name, uint64_t fallback) const {
    auto it = kv.find(name);
    return it == kv.end() ? fallback : std::strtoull(it->second.c_str(), nullptr, 10);
  }
};

static std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out;
}


/**
 * Runs a case under the protocol bench/tables.ts speaks (the same as table-child.ts): warm up (at
 * least `warmups` runs, and more until warmup_ms have passed), print {"ready":true}; then for each
 * line on stdin, "run" times one run and prints {"ns":..,"checksum":..}, and "done" prints the
 * case's facts and returns. `run` does the case's ops once and returns a checksum of what it found,
 * which must be the same every time; `before` runs untimed before every run.
 */
template <typename Run>
static void serve(const Args& a, uint64_t ops, Run run, const std::function<void()>& before, const std::function<std::string()>& facts) {
  const long base_rss = rss_bytes();
  bool first = true;
  uint64_t checksum = 0;
  auto once = [&]() -> double {
    before();
    const double t0 = now_ns();
    const uint64_t sum = run();
    const double ns = now_ns() - t0;
    check(first || sum == checksum, "checksum differs between runs");
    first = false;
    checksum = sum;
    return ns;
  };
  const double start = now_ns();
  for (uint64_t i = 0; i < a.num("warmups", 1) || now_ns() - start < static_cast<double>(a.num("warmup_ms", 0)) * 1e6; i++) once();
  std::printf("{\"ready\":true}\n");
  std::fflush(stdout);
  char line[64];
  while (std::fgets(line, sizeof line, stdin) != nullptr) {
    if (std::strncmp(line, "run", 3) == 0) {
      const double ns = once();
      std::printf("{\"ns\":%.0f,\"checksum\":%llu}\n", ns, static_cast<unsigned long long>(checksum));
    } else {
      const std::string extra = facts();
      std::printf("{\"ops\":%llu,\"peak_rss_bytes\":%ld,\"base_rss_bytes\":%ld%s%s}\n", static_cast<unsigned long long>(ops),
                  peak_rss_bytes(), base_rss, extra.empty() ? "" : ",", extra.c_str());
      std::fflush(stdout);
      return;
    }
    std::fflush(stdout);
  }
}

static uint64_t file_size(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) throw std::runtime_error("cannot stat " + path);
  return static_cast<uint64_t>(st.st_size);
}


/** Counts found keys and sums the first word of each found value (bench/tables.ts checks both). */
struct Found {
  uint64_t count = 0;
  uint32_t sum = 0;
  void add(const std::string& value) {
    count++;
    sum += load_u32(value.data());
  }
  uint64_t checksum() const { return (count << 32) | sum; }
};

// ---- LevelDB ----

#ifndef WITHOUT_LEVELDB
namespace leveldb {
// Table::InternalGet, the point lookup that DB::Get makes through the table cache, is private to
// Table with TableCache as its friend; this class (not LevelDB's, which is internal to the library)
// takes that name to reach it.
class TableCache {
 public:
  static Status Get(Table* t, const ReadOptions& o, const Slice& key, void* arg, void (*fn)(void*, const Slice&, const Slice&)) {
    return t->InternalGet(o, key, arg, fn);
  }
};
}  // namespace leveldb

namespace ldb {

using leveldb::Slice;

static Slice user_part(const Slice& internal) { return Slice(internal.data(), internal.size() - TRAILER_BYTES); }

/** LevelDB's InternalKeyComparator (db/dbformat.cc): user key ascending, then sequence descending. */
class InternalComparator : public leveldb::Comparator {
 public:
  const char* Name() const override { return "leveldb.InternalKeyComparator"; }
  int Compare(const Slice& a, const Slice& b) const override {
    int r = user_->Compare(user_part(a), user_part(b));
    if (r != 0) return r;
    uint64_t x = load_u64(a.data() + a.size() - 8), y = load_u64(b.data() + b.size() - 8);
    return x > y ? -1 : x < y ? 1 : 0;
  }
  void FindShortestSeparator(std::string* start, const Slice& limit) const override {
    Slice user_start = user_part(*start), user_limit = user_part(limit);
    std::string tmp(user_start.data(), user_start.size());
    user_->FindShortestSeparator(&tmp, user_limit);
    if (tmp.size() < user_start.size() && user_->Compare(user_start, tmp) < 0) {
      with_max_trailer(&tmp);
      *start = tmp;
    }
  }
  void FindShortSuccessor(std::string* key) const override {
    Slice user_key = user_part(*key);
    std::string tmp(user_key.data(), user_key.size());
    user_->FindShortSuccessor(&tmp);
    if (tmp.size() < user_key.size() && user_->Compare(user_key, tmp) < 0) {
      with_max_trailer(&tmp);
      key->swap(tmp);
    }
  }

 private:
  static void with_max_trailer(std::string* s) {
    const uint64_t tag = ((uint64_t{1} << 56) - 1) << 8 | 1;  // kMaxSequenceNumber, kValueTypeForSeek
    s->append(reinterpret_cast<const char*>(&tag), 8);
  }
  const leveldb::Comparator* user_ = leveldb::BytewiseComparator();
};

/** LevelDB's InternalFilterPolicy: the filter holds user keys. */
class InternalFilter : public leveldb::FilterPolicy {
 public:
  explicit InternalFilter(const leveldb::FilterPolicy* user) : user_(user) {}
  const char* Name() const override { return user_->Name(); }
  void CreateFilter(const Slice* keys, int n, std::string* dst) const override {
    std::vector<Slice> users(keys, keys + n);
    for (Slice& k : users) k = user_part(k);
    user_->CreateFilter(users.data(), n, dst);
  }
  bool KeyMayMatch(const Slice& key, const Slice& filter) const override { return user_->KeyMayMatch(user_part(key), filter); }

 private:
  const leveldb::FilterPolicy* user_;
};

/** Reads with pread into the caller's buffer, so LevelDB caches the blocks (its mmap file does not). */
class PreadFile : public leveldb::RandomAccessFile {
 public:
  explicit PreadFile(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY)) { check(fd_ >= 0, "cannot open " + path); }
  ~PreadFile() override { ::close(fd_); }
  leveldb::Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    ssize_t r = ::pread(fd_, scratch, n, static_cast<off_t>(offset));
    *result = Slice(scratch, r < 0 ? 0 : static_cast<size_t>(r));
    return r < 0 ? leveldb::Status::IOError("pread") : leveldb::Status::OK();
  }

 private:
  int fd_;
};

struct Policies {
  std::unique_ptr<const leveldb::FilterPolicy> bloom{leveldb::NewBloomFilterPolicy(10)};
  InternalFilter filter{bloom.get()};
  InternalComparator comparator;

  leveldb::Options options() const {
    leveldb::Options o;
    o.comparator = &comparator;
    o.filter_policy = &filter;
    o.compression = leveldb::kNoCompression;
    return o;  // block_size 4096, block_restart_interval 16: the defaults, as ours
  }
};

static void check_status(const leveldb::Status& s, const char* what) { check(s.ok(), std::string(what) + ": " + s.ToString()); }

/** Internal keys at sequence 0, kind VALUE: user key + 01 00 00 00 00 00 00 00. */
static std::string internal_keys(uint64_t n) {
  std::string users = user_keys(n, true);
  const int size = KEY_BYTES + TRAILER_BYTES;
  std::string out(n * size, '\0');
  for (uint64_t i = 0; i < n; i++) {
    std::memcpy(&out[i * size], &users[i * KEY_BYTES], KEY_BYTES);
    out[i * size + KEY_BYTES] = 1;
  }
  return out;
}

static void build(const Args& a) {
  const uint64_t n = a.num("n", 0);
  const std::string path = a.str("path");
  const std::string keys = internal_keys(n), vals = values(n);
  const int key_size = KEY_BYTES + TRAILER_BYTES;
  Policies p;
  leveldb::Options o = p.options();
  leveldb::Env* env = leveldb::Env::Default();
  uint64_t size = 0;
  auto run = [&]() -> uint64_t {
    leveldb::WritableFile* file;
    check_status(env->NewWritableFile(path, &file), "open");
    leveldb::TableBuilder b(o, file);
    for (uint64_t i = 0; i < n; i++) b.Add(Slice(&keys[i * key_size], key_size), Slice(&vals[i * VALUE_BYTES], VALUE_BYTES));
    check_status(b.Finish(), "finish");
    check_status(file->Sync(), "sync");
    check_status(file->Close(), "close");
    delete file;
    size = b.FileSize();
    return size;
  };
  serve(a, n, run, [&] { std::remove(path.c_str()); }, [&] { return "\"file_bytes\":" + std::to_string(size); });
}

struct Saver {
  Slice user_key;
  bool found;
  std::string value;
};

/** DB::Get's SaveValue (db/version_set.cc): the entry found must be for the key, and not a deletion. */
static void save_value(void* arg, const Slice& ikey, const Slice& v) {
  Saver* s = static_cast<Saver*>(arg);
  if (ikey.size() < TRAILER_BYTES || user_part(ikey).compare(s->user_key) != 0) return;
  if ((load_u64(ikey.data() + ikey.size() - 8) & 0xff) != 1) return;
  s->found = true;
  s->value.assign(v.data(), v.size());
}

static void get(const Args& a, bool mmap) {
  const uint64_t n = a.num("n", 0), lookups = a.num("lookups", 0);
  const std::string path = a.str("path");
  const bool present = a.num("present", 1) != 0;
  const std::string keys = lookup_keys(n, lookups, present);
  Policies p;
  leveldb::Options o = p.options();
  std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(a.num("cache_bytes", 8 << 20)));
  o.block_cache = cache.get();
  o.paranoid_checks = true;  // verify the index and filter blocks on open
  leveldb::RandomAccessFile* file;
  if (mmap) {
    check_status(leveldb::Env::Default()->NewRandomAccessFile(path, &file), "open");
  } else {
    file = new PreadFile(path);
  }
  std::unique_ptr<leveldb::RandomAccessFile> file_owner(file);
  leveldb::Table* table;
  check_status(leveldb::Table::Open(o, file, file_size(path), &table), "Table::Open");
  std::unique_ptr<leveldb::Table> table_owner(table);
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  auto run = [&]() -> uint64_t {
    Found found;
    Saver s;
    char lookup[KEY_BYTES + TRAILER_BYTES];
    const uint64_t tag = ((uint64_t{1} << 56) - 1) << 8 | 1;  // LookupKey: kMaxSequenceNumber, kValueTypeForSeek
    for (uint64_t j = 0; j < lookups; j++) {
      const char* key = &keys[j * KEY_BYTES];
      std::memcpy(lookup, key, KEY_BYTES);
      std::memcpy(lookup + KEY_BYTES, &tag, 8);
      s.user_key = Slice(key, KEY_BYTES);
      s.found = false;
      check_status(leveldb::TableCache::Get(table, ro, Slice(lookup, sizeof lookup), &s, save_value), "get");
      if (s.found) found.add(s.value);
    }
    return found.checksum();
  };
  serve(a, lookups, run, [] {}, [&] { return "\"file_bytes\":" + std::to_string(file_size(path)); });
}

/** LevelDB's Bloom filter alone: CreateFilter over the n present user keys, KeyMayMatch per absent key. */
static void bloom(const Args& a) {
  const uint64_t n = a.num("n", 0), lookups = a.num("lookups", 0);
  const std::string present = user_keys(n, true), absent = lookup_keys(n, lookups, false);
  std::unique_ptr<const leveldb::FilterPolicy> policy(leveldb::NewBloomFilterPolicy(10));
  std::vector<Slice> keys(n);
  for (uint64_t i = 0; i < n; i++) keys[i] = Slice(&present[i * KEY_BYTES], KEY_BYTES);
  std::string filter;
  policy->CreateFilter(keys.data(), static_cast<int>(n), &filter);
  for (const Slice& k : keys) check(policy->KeyMayMatch(k, filter), "bloom: false negative");
  uint64_t may_match = 0;
  auto run = [&]() -> uint64_t {
    uint64_t hits = 0;
    for (uint64_t j = 0; j < lookups; j++) {
      hits += policy->KeyMayMatch(Slice(&absent[j * KEY_BYTES], KEY_BYTES), filter);
    }
    return may_match = hits;
  };
  serve(a, lookups, run, [] {}, [&] { return "\"filter_bytes\":" + std::to_string(filter.size()) + ",\"may_match\":" + std::to_string(may_match); });
}

}  // namespace ldb
#endif

// ---- RocksDB ----

#ifndef WITHOUT_ROCKSDB
namespace rdb {

using ROCKSDB_NAMESPACE::Slice;

static void check_status(const ROCKSDB_NAMESPACE::Status& s, const char* what) { check(s.ok(), std::string(what) + ": " + s.ToString()); }

/** Block-based tables as RocksDB 7.8 makes them by default, with no compression and a 10 bits/key Bloom filter. */
static ROCKSDB_NAMESPACE::Options options(std::shared_ptr<ROCKSDB_NAMESPACE::Cache> cache) {
  ROCKSDB_NAMESPACE::BlockBasedTableOptions t;
  t.filter_policy.reset(ROCKSDB_NAMESPACE::NewBloomFilterPolicy(10));
  if (cache) t.block_cache = cache;
  ROCKSDB_NAMESPACE::Options o;
  o.table_factory.reset(ROCKSDB_NAMESPACE::NewBlockBasedTableFactory(t));
  o.compression = ROCKSDB_NAMESPACE::kNoCompression;
  return o;
}

/** The format_version in a block-based table's footer (0 for the legacy footer). */
static uint32_t footer_format_version(const std::string& path) {
  char tail[12];
  FILE* f = std::fopen(path.c_str(), "rb");
  check(f != nullptr && std::fseek(f, -12, SEEK_END) == 0 && std::fread(tail, 1, 12, f) == 12, "cannot read the footer of " + path);
  std::fclose(f);
  const uint64_t magic = load_u64(tail + 4);
  return magic == 0x88e241b785f4cff7ull ? load_u32(tail) : 0;
}

static std::string properties_json(const std::string& path, const ROCKSDB_NAMESPACE::TableProperties& p) {
  ROCKSDB_NAMESPACE::BlockBasedTableOptions defaults;
  return "\"format_version\":" + std::to_string(footer_format_version(path)) + ",\"filter_policy\":\"" + json_escape(p.filter_policy_name) +
         "\",\"block_checksum\":\"" + (defaults.checksum == ROCKSDB_NAMESPACE::kXXH3 ? "xxh3" : defaults.checksum == ROCKSDB_NAMESPACE::kCRC32c ? "crc32c" : "other") +
         "\",\"index_key_is_user_key\":" + std::to_string(p.index_key_is_user_key);
}

static void build(const Args& a) {
  const uint64_t n = a.num("n", 0);
  const std::string path = a.str("path");
  const std::string keys = user_keys(n, true), vals = values(n);
  ROCKSDB_NAMESPACE::Options o = options(nullptr);
  uint64_t size = 0;
  auto run = [&]() -> uint64_t {
    // invalidate_page_cache = false: ours and LevelDB's leave the written file in the page cache too
    ROCKSDB_NAMESPACE::SstFileWriter w(ROCKSDB_NAMESPACE::EnvOptions(), o, nullptr, false);
    check_status(w.Open(path), "open");
    for (uint64_t i = 0; i < n; i++) check_status(w.Put(Slice(&keys[i * KEY_BYTES], KEY_BYTES), Slice(&vals[i * VALUE_BYTES], VALUE_BYTES)), "put");
    ROCKSDB_NAMESPACE::ExternalSstFileInfo info;
    check_status(w.Finish(&info), "finish");  // syncs (fdatasync) and closes the file
    size = info.file_size;
    return size;
  };
  serve(a, n, run, [&] { std::remove(path.c_str()); }, [&] {
    ROCKSDB_NAMESPACE::SstFileReader r(o);
    check_status(r.Open(path), "reopen");
    return "\"file_bytes\":" + std::to_string(size) + "," + properties_json(path, *r.GetTableProperties());
  });
}

static void get(const Args& a) {
  const uint64_t n = a.num("n", 0), lookups = a.num("lookups", 0);
  const std::string path = a.str("path");
  const bool present = a.num("present", 1) != 0;
  const std::string keys = lookup_keys(n, lookups, present);
  ROCKSDB_NAMESPACE::Options o = options(ROCKSDB_NAMESPACE::NewLRUCache(a.num("cache_bytes", 8 << 20)));
  ROCKSDB_NAMESPACE::SstFileReader r(o);
  check_status(r.Open(path), "open");
  ROCKSDB_NAMESPACE::ReadOptions ro;
  ro.verify_checksums = true;
  std::unique_ptr<ROCKSDB_NAMESPACE::Iterator> it(r.NewIterator(ro));
  auto run = [&]() -> uint64_t {
    Found found;
    std::string value;
    for (uint64_t j = 0; j < lookups; j++) {
      Slice key(&keys[j * KEY_BYTES], KEY_BYTES);
      it->Seek(key);  // an iterator's Seek does not consult the whole-key Bloom filter
      if (it->Valid() && it->key() == key) {
        value.assign(it->value().data(), it->value().size());
        found.add(value);
      }
    }
    check_status(it->status(), "seek");
    return found.checksum();
  };
  serve(a, lookups, run, [] {}, [&] { return "\"file_bytes\":" + std::to_string(file_size(path)) + "," + properties_json(path, *r.GetTableProperties()); });
}

}  // namespace rdb
#endif

static void info() {
  std::string leveldb = "null", rocksdb = "null";
#ifndef WITHOUT_LEVELDB
  leveldb = "\"" + std::to_string(leveldb::kMajorVersion) + "." + std::to_string(leveldb::kMinorVersion) + "\"";
#endif
#ifndef WITHOUT_ROCKSDB
  rocksdb = "\"" + std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) + "." + std::to_string(ROCKSDB_PATCH) + "\"";
#endif
  std::printf("{\"leveldb\":%s,\"rocksdb\":%s}\n", leveldb.c_str(), rocksdb.c_str());
}

static void dispatch(const Args& a) {
  const std::string mode = a.str("mode");
  if (mode == "info") return info();
  const std::string impl = mode == "bloom" ? "leveldb" : a.str("impl");
#ifndef WITHOUT_LEVELDB
  if (mode == "build" && impl == "leveldb") return ldb::build(a);
  if (mode == "get" && (impl == "leveldb" || impl == "leveldb-mmap")) return ldb::get(a, impl == "leveldb-mmap");
  if (mode == "bloom") return ldb::bloom(a);
#endif
#ifndef WITHOUT_ROCKSDB
  if (mode == "build" && impl == "rocksdb") return rdb::build(a);
  if (mode == "get" && impl == "rocksdb") return rdb::get(a);
#endif
  throw std::runtime_error("no case " + mode + " / " + impl + " in this build");
}

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i++) {
    const char* eq = std::strchr(argv[i], '=');
    if (eq == nullptr) {
      std::fprintf(stderr, "table_bench: argument %s is not name=value\n", argv[i]);
      return 2;
    }
    a.kv[std::string(argv[i], static_cast<size_t>(eq - argv[i]))] = eq + 1;
  }
  try {
    dispatch(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "table_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
