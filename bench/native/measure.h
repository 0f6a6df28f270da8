// What both native bench programs (table_bench.cc, db_bench.cc) measure with: the key-scatter
// hash, a monotonic clock, fields of /proc/self files (peak RSS, disk bytes written), and a check
// that throws. Header-only; bench/native.ts hashes it with each program's source, so an edit here
// recompiles both.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

/** MurmurHash3's 32-bit finalizer: the same scatter as bench/data.ts and bench/db-data.ts. */
static inline uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

static inline uint64_t now_ns() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count());
}

static inline void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

/** A field of a /proc file ("VmHWM:" in status, "write_bytes:" in io), or -1. */
static inline long long proc_field(const char* file, const char* name) {
  FILE* f = std::fopen(file, "r");
  if (f == nullptr) return -1;
  char line[256];
  long long v = -1;
  const size_t len = std::strlen(name);
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, name, len) == 0) {
      v = std::atoll(line + len);
      break;
    }
  }
  std::fclose(f);
  return v;
}

/**
 * VmHWM, the peak RSS of this process image. Not getrusage's ru_maxrss where /proc has it: Linux
 * carries that over exec from the parent that forked us, so a child of a big parent would report
 * the parent's peak.
 */
static inline long long peak_rss_bytes() {
  const long long kb = proc_field("/proc/self/status", "VmHWM:");
  if (kb >= 0) return kb * 1024;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<long long>(ru.ru_maxrss) * 1024;
}

static inline long long rss_bytes() { return proc_field("/proc/self/status", "VmRSS:") * 1024; }
