#include "core/merkle/hash_list.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"

namespace keytrail {
namespace merkle {

absl::StatusOr<std::vector<Hash>> DecodeHashList(absl::string_view bytes, size_t max_hashes,
                                                 absl::string_view what) {
  if (bytes.size() % kHashSize != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", bytes.size(), " bytes is not a whole number of 32-byte hashes"));
  }
  const size_t count = bytes.size() / kHashSize;
  if (count > max_hashes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", count, " hashes, more than the limit of ", max_hashes));
  }
  std::vector<Hash> hashes(count);
  ByteReader reader(bytes);
  for (Hash& h : hashes) {
    if (!reader.ReadArray(&h)) return TruncatedError(what, "hash");
  }
  absl::Status done = reader.Finish(what);
  if (!done.ok()) return done;
  return hashes;
}

std::string EncodeHashList(absl::Span<const Hash> hashes) {
  std::string out;
  out.reserve(hashes.size() * kHashSize);
  ByteWriter writer(&out);
  for (const Hash& h : hashes) writer.Array(h);
  return out;
}

}  // namespace merkle
}  // namespace keytrail
