#include "bench/bench_util.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace keytrail::bench {

std::string Account(uint64_t i) { return absl::StrCat("user", i, "@bench.example"); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  const size_t k = static_cast<size_t>(p * (v.size() - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  // An even count's median is the mean of the middle two (not the larger).
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string Range(std::vector<double> v, int decimals) {
  if (v.size() < 2) return "";
  const auto [min, max] = std::minmax_element(v.begin(), v.end());
  return absl::StrFormat(" (%.*f-%.*f)", decimals, *min, decimals, *max);
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

double ResidentMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024;
  }
  return 0;
}

void Table::Header(const std::vector<std::string>& titles) const {
  Row(titles);
  std::string rule = "|";
  for (int w : widths_) absl::StrAppend(&rule, std::string(w + 2, '-'), "|");
  std::printf("%s\n", rule.c_str());
  std::fflush(stdout);
}

void Table::Row(const std::vector<std::string>& cells) const {
  std::string line = "|";
  for (size_t i = 0; i < cells.size() && i < widths_.size(); ++i) {
    absl::StrAppend(&line, absl::StrFormat(" %-*s |", widths_[i], cells[i]));
  }
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

std::string BenchReplicaKeyBytes() { return std::string(32, 'b'); }

}  // namespace keytrail::bench
