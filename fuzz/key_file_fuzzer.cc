// Fuzzes ReadKeyFile (core/keys/key_file.h) on arbitrary file contents, via
// an in-memory file. Properties: the key line it returns appears in the
// file; written back as a file of its own (line + "\n") it reads back the
// same.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/keys/key_file.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail;

namespace {

// The path of an in-memory file holding `contents`.
std::string MemFile(int fd, absl::string_view contents) {
  FUZZ_CHECK(::ftruncate(fd, 0) == 0);
  FUZZ_CHECK(::pwrite(fd, contents.data(), contents.size(), 0) ==
             static_cast<ssize_t>(contents.size()));
  return absl::StrCat("/proc/self/fd/", fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const int fd = ::memfd_create("keytrail-fuzz-key-file", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0);
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  auto line = ReadKeyFile(MemFile(fd, in));
  if (!line.ok()) return 0;
  FUZZ_CHECK(in.find(*line) != absl::string_view::npos);
  // (A line of exactly kMaxKeyFileSize bytes fits only without its newline.)
  if (line->size() >= kMaxKeyFileSize) return 0;
  auto again = ReadKeyFile(MemFile(fd, absl::StrCat(*line, "\n")));
  FUZZ_CHECK(again.ok() && *again == *line);
  return 0;
}
