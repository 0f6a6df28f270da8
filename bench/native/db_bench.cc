// The native side of the database workloads (bench/db.ts): LevelDB's and RocksDB's DB API, in the
// style of LevelDB's db_bench (benchmarks/db_bench.cc), on the same keys, values and orders as ours
// (bench/db-data.ts; the two files must generate identical bytes). bench/native.ts compiles it with
//   g++ -O2 -std=c++17 db_bench.cc -lleveldb -lrocksdb -lsnappy -lpthread
// (or with -DWITHOUT_ROCKSDB / -DWITHOUT_LEVELDB when only one library is installed).
//
// A program of its own, not a mode of table_bench.cc: the table workloads time one run per request
// over stdin, in rounds, while a DB engine runs one sequence of steps on a database that each step
// changes, and the two share no code beyond a few lines of measuring.
//
//   db_bench mode=info                                        (prints the libraries' versions)
//   db_bench engine=leveldb|rocksdb dir=D n=N reads=R steps=S,.. sync=0|1 cache_bytes=C bloom_bits=B
//
// It runs the steps in order and prints one JSON line for each (bench/db-child.ts does the same for
// the Node engines; db.ts reads both):
//   fresh        close the database, empty D, open a new one            {rss_bytes}
//   fillseq      n puts in key order                                     \ each: ops, ns, latency
//   fillrandom   n puts in a random order (every key once)                } percentiles, the disk bytes
//   overwrite    n puts of new values (version 1) in another order       / written (until they settle)
//   space        a full compaction, then the bytes of every file in D    {disk_bytes, compact_ns}
//   readrandom   R gets of present keys      readmissing   R gets of missing keys
//   seekrandom   R seeks, each reading the entry found and 10 more (Next)
//   deleterandom n deletes in a random order
//
// Options: the library's defaults, but no compression, an LRU block cache of cache_bytes (8 MiB,
// LevelDB's default) and a Bloom filter of bloom_bits per key (10: the filter classic-level sets by
// default, and ours has), so that every engine in the comparison has the same ones. Writes are
// sync=false unless sync=1 (LevelDB db_bench's default).

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifndef WITHOUT_LEVELDB
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/options.h>
#include <leveldb/write_batch.h>
#endif

#ifndef WITHOUT_ROCKSDB
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/version.h>

#include "measure.h"
#endif

// ---- The data (bench/db-data.ts has the same definitions) ----

static const int KEY_BYTES = 16;
static const int VALUE_BYTES = 100;
static const int VALUE_WORDS = VALUE_BYTES / 4;
static const uint32_t VALUE_SEED = 0xdb5eedu;
static const int SEEK_ENTRIES = 11;
enum Salt : uint32_t { FILLRANDOM = 1, OVERWRITE = 2, READRANDOM = 3, READMISSING = 4, SEEKRANDOM = 5, DELETERANDOM = 6 };


/** Key number `number` (2i present, 2i + 1 missing) as 16 zero-padded decimal digits. */
static void make_key(char* out, uint64_t number) {
  for (int c = KEY_BYTES - 1; c >= 0; c--) {
    out[c] = static_cast<char>('0' + number % 10);
    number /= 10;
  }
}

static void make_value(char* out, uint32_t i, uint32_t version) {
  const uint32_t seed = VALUE_SEED + version * 0x9e3779b9u;
  for (int w = 0; w < VALUE_WORDS; w++) {
    const uint32_t x = fmix32(i * VALUE_WORDS + static_cast<uint32_t>(w) + seed);
    std::memcpy(out + 4 * w, &x, 4);  // x86: little endian
  }
}

static std::vector<uint32_t> order(uint32_t n, uint32_t salt) {
  std::vector<uint32_t> out(n);
  for (uint32_t i = 0; i < n; i++) out[i] = i;
  for (uint32_t i = n - 1; n > 0 && i > 0; i--) std::swap(out[i], out[fmix32(i * 0x9e3779b9u + salt) % (i + 1)]);
  return out;
}

static inline uint32_t read_target(uint32_t j, uint32_t n, uint32_t salt) { return fmix32(j * 0x9e3779b9u + salt) % n; }

static inline uint32_t first_word(const char* v) {
  uint32_t x;
  std::memcpy(&x, v, 4);
  return x;
}

// ---- Measuring ----




struct Io {
  long long write_bytes, wchar, cancelled;
  static Io now() {
    return {proc_field("/proc/self/io", "write_bytes:"), proc_field("/proc/self/io", "wchar:"), proc_field("/proc/self/io", "cancelled_write_bytes:")};
  }
};

/** Resets VmHWM to the current RSS (Linux 4.0+), so each step's peak is its own. */
static void reset_peak_rss() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return;
  std::fputs("5", f);
  std::fclose(f);
}


/**
 * Waits until the disk writes of the background work a fill left (flushes, compactions) stop: until
 * write_bytes has not moved for 5 polls 100 ms apart, or 60 s. Returns the ms waited.
 */
static uint64_t settle() {
  const uint64_t start = now_ns();
  long long last = Io::now().write_bytes;
  for (int still = 0; still < 5 && now_ns() - start < 60'000'000'000ull;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const long long w = Io::now().write_bytes;
    still = w == last ? still + 1 : 0;
    last = w;
  }
  return (now_ns() - start) / 1'000'000;
}

static uint64_t dir_bytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

/** p50, p99 and max of the put latencies, ns (p = the value at floor(p * (count - 1)) of the sorted list). */
static std::string latency_json(std::vector<uint64_t>& ns) {
  if (ns.empty()) return "";
  std::sort(ns.begin(), ns.end());
  auto at = [&](double p) { return ns[static_cast<size_t>(p * static_cast<double>(ns.size() - 1))]; };
  std::ostringstream o;
  o << ",\"lat_p50_ns\":" << at(0.5) << ",\"lat_p99_ns\":" << at(0.99) << ",\"lat_max_ns\":" << ns.back();
  return o.str();
}

// ---- The engines ----

struct Args {
  std::map<std::string, std::string> kv;
  std::string str(const char* name, const char* fallback = nullptr) const {
    auto it = kv.find(name);
    if (it != kv.end()) return it->second;
    if (fallback != nullptr) return fallback;
    throw std::runtime_error(std::string("missing argument ") + name);
  }
  uint64_t num(const char* name, uint64_t fallback) const {
    auto it = kv.find(name);
    return it == kv.end() ? fallback : std::strtoull(it->second.c_str(), nullptr, 10);
  }
};

/** What the steps need of a database. */
class Engine {
 public:
  virtual ~Engine() = default;
  virtual void put(const char* key, const char* value) = 0;
  virtual void del(const char* key) = 0;
  /** The value's first word into *word when the key is there. */
  virtual bool get(const char* key, uint32_t* word) = 0;
  /** Seeks to key and reads up to `count` entries from there; adds their first words to *sum. */
  virtual int seek(const char* key, int count, uint32_t* sum) = 0;
  virtual void compact_all() = 0;
};

#ifndef WITHOUT_LEVELDB
class LevelDb : public Engine {
 public:
  LevelDb(const Args& a, const std::string& dir)
      : cache_(leveldb::NewLRUCache(a.num("cache_bytes", 8 << 20))),
        bloom_(a.num("bloom_bits", 10) > 0 ? leveldb::NewBloomFilterPolicy(static_cast<int>(a.num("bloom_bits", 10))) : nullptr) {
    leveldb::Options o;
    o.create_if_missing = true;
    o.compression = leveldb::kNoCompression;
    o.block_cache = cache_.get();
    o.filter_policy = bloom_.get();
    leveldb::DB* db;
    status(leveldb::DB::Open(o, dir, &db), "open");
    db_.reset(db);
    wo_.sync = a.num("sync", 0) != 0;
  }
  ~LevelDb() override { db_.reset(); }  // before the cache and filter it uses
  void put(const char* key, const char* value) override { status(db_->Put(wo_, leveldb::Slice(key, KEY_BYTES), leveldb::Slice(value, VALUE_BYTES)), "put"); }
  void del(const char* key) override { status(db_->Delete(wo_, leveldb::Slice(key, KEY_BYTES)), "delete"); }
  bool get(const char* key, uint32_t* word) override {
    leveldb::Status s = db_->Get(ro_, leveldb::Slice(key, KEY_BYTES), &value_);
    if (s.IsNotFound()) return false;
    status(s, "get");
    *word = first_word(value_.data());
    return true;
  }
  int seek(const char* key, int count, uint32_t* sum) override {
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro_));
    int seen = 0;
    for (it->Seek(leveldb::Slice(key, KEY_BYTES)); it->Valid() && seen < count; it->Next(), seen++) *sum += first_word(it->value().data());
    status(it->status(), "iterator");
    return seen;
  }
  void compact_all() override { db_->CompactRange(nullptr, nullptr); }

 private:
  static void status(const leveldb::Status& s, const char* what) { check(s.ok(), std::string("leveldb ") + what + ": " + s.ToString()); }
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> bloom_;
  std::unique_ptr<leveldb::DB> db_;
  leveldb::WriteOptions wo_;
  leveldb::ReadOptions ro_;
  std::string value_;
};
#endif

#ifndef WITHOUT_ROCKSDB
namespace rocks = ROCKSDB_NAMESPACE;

class RocksDb : public Engine {
 public:
  RocksDb(const Args& a, const std::string& dir) {
    rocks::BlockBasedTableOptions t;
    t.block_cache = rocks::NewLRUCache(a.num("cache_bytes", 8 << 20));
    if (a.num("bloom_bits", 10) > 0) t.filter_policy.reset(rocks::NewBloomFilterPolicy(static_cast<double>(a.num("bloom_bits", 10))));
    rocks::Options o;
    o.create_if_missing = true;
    o.compression = rocks::kNoCompression;
    o.table_factory.reset(rocks::NewBlockBasedTableFactory(t));
    rocks::DB* db;
    status(rocks::DB::Open(o, dir, &db), "open");
    db_.reset(db);
    wo_.sync = a.num("sync", 0) != 0;
  }
  void put(const char* key, const char* value) override { status(db_->Put(wo_, rocks::Slice(key, KEY_BYTES), rocks::Slice(value, VALUE_BYTES)), "put"); }
  void del(const char* key) override { status(db_->Delete(wo_, rocks::Slice(key, KEY_BYTES)), "delete"); }
  bool get(const char* key, uint32_t* word) override {
    rocks::Status s = db_->Get(ro_, rocks::Slice(key, KEY_BYTES), &value_);
    if (s.IsNotFound()) return false;
    status(s, "get");
    *word = first_word(value_.data());
    return true;
  }
  int seek(const char* key, int count, uint32_t* sum) override {
    std::unique_ptr<rocks::Iterator> it(db_->NewIterator(ro_));
    int seen = 0;
    for (it->Seek(rocks::Slice(key, KEY_BYTES)); it->Valid() && seen < count; it->Next(), seen++) *sum += first_word(it->value().data());
    status(it->status(), "iterator");
    return seen;
  }
  void compact_all() override { status(db_->CompactRange(rocks::CompactRangeOptions(), nullptr, nullptr), "compact"); }

 private:
  static void status(const rocks::Status& s, const char* what) { check(s.ok(), std::string("rocksdb ") + what + ": " + s.ToString()); }
  std::unique_ptr<rocks::DB> db_;
  rocks::WriteOptions wo_;
  rocks::ReadOptions ro_;
  std::string value_;
};
#endif

static std::unique_ptr<Engine> open_engine(const Args& a, const std::string& dir) {
  const std::string engine = a.str("engine");
#ifndef WITHOUT_LEVELDB
  if (engine == "leveldb") return std::make_unique<LevelDb>(a, dir);
#endif
#ifndef WITHOUT_ROCKSDB
  if (engine == "rocksdb") return std::make_unique<RocksDb>(a, dir);
#endif
  throw std::runtime_error("no engine " + engine + " in this build");
}

// ---- The steps ----

struct Bench {
  const Args& a;
  const std::string dir;
  const uint32_t n, reads;
  std::unique_ptr<Engine> db;

  /** Times n puts of `version` in the order given (none: key order), each one's latency too. */
  std::string fill(const std::vector<uint32_t>* keys, uint32_t version) {
    std::vector<uint64_t> lat(n);
    char key[KEY_BYTES], value[VALUE_BYTES];
    const Io io0 = Io::now();
    const uint64_t t0 = now_ns();
    for (uint32_t j = 0; j < n; j++) {
      const uint32_t i = keys == nullptr ? j : (*keys)[j];
      make_key(key, 2ull * i);
      make_value(value, i, version);
      const uint64_t s = now_ns();
      db->put(key, value);
      lat[j] = now_ns() - s;
    }
    const uint64_t ns = now_ns() - t0;
    const uint64_t settle_ms = settle();
    const Io io1 = Io::now();
    std::ostringstream o;
    o << "\"ops\":" << n << ",\"ns\":" << ns << ",\"client_bytes\":" << uint64_t{n} * (KEY_BYTES + VALUE_BYTES) << ",\"write_bytes\":" << io1.write_bytes - io0.write_bytes
      << ",\"wchar\":" << io1.wchar - io0.wchar << ",\"cancelled_write_bytes\":" << io1.cancelled - io0.cancelled << ",\"settle_ms\":" << settle_ms << latency_json(lat);
    return o.str();
  }

  std::string gets(uint32_t salt, bool present) {
    char key[KEY_BYTES];
    uint64_t found = 0;
    uint32_t sum = 0, word = 0;
    const uint64_t t0 = now_ns();
    for (uint32_t j = 0; j < reads; j++) {
      make_key(key, 2ull * read_target(j, n, salt) + (present ? 0 : 1));
      if (db->get(key, &word)) {
        found++;
        sum += word;
      }
    }
    return found_json(reads, now_ns() - t0, found, sum);
  }

  std::string seeks() {
    char key[KEY_BYTES];
    uint64_t found = 0;
    uint32_t sum = 0;
    const uint64_t t0 = now_ns();
    for (uint32_t j = 0; j < reads; j++) {
      make_key(key, 2ull * read_target(j, n, SEEKRANDOM));
      found += static_cast<uint64_t>(db->seek(key, SEEK_ENTRIES, &sum));
    }
    return found_json(reads, now_ns() - t0, found, sum);
  }

  std::string deletes() {
    const std::vector<uint32_t> keys = order(n, DELETERANDOM);
    char key[KEY_BYTES];
    const uint64_t t0 = now_ns();
    for (uint32_t j = 0; j < n; j++) {
      make_key(key, 2ull * keys[j]);
      db->del(key);
    }
    return "\"ops\":" + std::to_string(n) + ",\"ns\":" + std::to_string(now_ns() - t0);
  }

  std::string space() {
    const uint64_t t0 = now_ns();
    db->compact_all();
    const uint64_t ns = now_ns() - t0;
    settle();
    return "\"compact_ns\":" + std::to_string(ns) + ",\"disk_bytes\":" + std::to_string(dir_bytes(dir));
  }

  std::string fresh() {
    db.reset();
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    db = open_engine(a, dir);
    return "\"rss_bytes\":" + std::to_string(rss_bytes());
  }

  static std::string found_json(uint64_t ops, uint64_t ns, uint64_t found, uint32_t sum) {
    return "\"ops\":" + std::to_string(ops) + ",\"ns\":" + std::to_string(ns) + ",\"found\":" + std::to_string(found) + ",\"sum\":" + std::to_string(sum);
  }

  std::string step(const std::string& s) {
    if (s == "fresh") return fresh();
    check(db != nullptr, "step " + s + " before fresh");
    if (s == "fillseq") return fill(nullptr, 0);
    if (s == "fillrandom") {
      const std::vector<uint32_t> keys = order(n, FILLRANDOM);
      return fill(&keys, 0);
    }
    if (s == "overwrite") {
      const std::vector<uint32_t> keys = order(n, OVERWRITE);
      return fill(&keys, 1);
    }
    if (s == "space") return space();
    if (s == "readrandom") return gets(READRANDOM, true);
    if (s == "readmissing") return gets(READMISSING, false);
    if (s == "seekrandom") return seeks();
    if (s == "deleterandom") return deletes();
    throw std::runtime_error("unknown step " + s);
  }
};

static void run(const Args& a) {
  Bench b{a, a.str("dir"), static_cast<uint32_t>(a.num("n", 0)), static_cast<uint32_t>(a.num("reads", a.num("n", 0))), nullptr};
  std::stringstream steps(a.str("steps"));
  for (std::string s; std::getline(steps, s, ',');) {
    reset_peak_rss();
    const std::string fields = b.step(s);
    std::printf("{\"step\":\"%s\",%s,\"peak_rss_bytes\":%lld}\n", s.c_str(), fields.c_str(), peak_rss_bytes());
    std::fflush(stdout);
  }
  b.db.reset();
}

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

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i++) {
    const char* eq = std::strchr(argv[i], '=');
    if (eq == nullptr) {
      std::fprintf(stderr, "db_bench: argument %s is not name=value\n", argv[i]);
      return 2;
    }
    a.kv[std::string(argv[i], static_cast<size_t>(eq - argv[i]))] = eq + 1;
  }
  try {
    if (a.str("mode", "run") == "info") {
      info();
    } else {
      run(a);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "db_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
