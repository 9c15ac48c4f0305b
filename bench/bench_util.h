// What the benchmark programs in bench/ share: the accounts they create, the
// statistics they report and the table they print it in. For bench/ only
// (not testonly, so the benches that need no test helper stay ordinary
// binaries); no gRPC, so verifier_bench builds under --config=boringssl.
//
// Pure functions and a printer: thread-compatible, no shared state.
#ifndef KEYTRAIL_BENCH_BENCH_UTIL_H_
#define KEYTRAIL_BENCH_BENCH_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

namespace keytrail::bench {

// The i-th benchmark account, "user<i>@bench.example" (the name update_bench
// writes and lookup_bench and flood_bench look up).
std::string Account(uint64_t i);

// The value at rank floor(p * (n - 1)) of `v` in ascending order (p in
// [0, 1]); 0 for an empty `v`.
double Percentile(std::vector<double> v, double p);
// The median of `v`: the middle value, or the mean of the middle two for an
// even count; 0 for an empty `v`.
double Median(std::vector<double> v);
// " (min-max)" of several rounds with `decimals` digits; "" for fewer than
// two values.
std::string Range(std::vector<double> v, int decimals);

// Bytes of the regular files under `dir` (recursively).
uint64_t DirectoryBytes(const std::string& dir);
// VmRSS of this process in MiB (0 when /proc/self/status is unreadable).
double ResidentMiB();

// The 32 bytes of the benchmarks' fixed replica key, which update_bench
// --replica_bundles seals private bundles with and the replica benchmarks
// open them with (not a secret: the benchmarks' logs are thrown away).
std::string BenchReplicaKeyBytes();

// A Markdown table on stdout, one column width per column:
// "| cell1<pad> | cell2<pad> |", a cell padded with spaces to its width
// (longer cells are printed whole). Each line is flushed at once, so a
// forking bench does not print it twice.
class Table {
 public:
  explicit Table(std::vector<int> widths) : widths_(std::move(widths)) {}
  // The row of column titles, then the "|----|----|" line under it.
  void Header(const std::vector<std::string>& titles) const;
  // REQUIRES: cells.size() == the number of widths.
  void Row(const std::vector<std::string>& cells) const;

 private:
  std::vector<int> widths_;
};

}  // namespace keytrail::bench

#endif  // KEYTRAIL_BENCH_BENCH_UTIL_H_
