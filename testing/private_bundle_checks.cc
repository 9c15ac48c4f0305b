#include "testing/private_bundle_checks.h"

#include <map>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/protocol/entry.h"
#include "core/replica/bundle_check.h"
#include "core/tiles/tile_path.h"

namespace keytrail::test {

absl::StatusOr<uint64_t> CheckPublishedPrivateBundles(const PublishedLog& log,
                                                      const TileFetch& fetch,
                                                      const replica::ReplicaKey& key,
                                                      const std::string& origin,
                                                      const VrfPublicKey& vrf) {
  std::map<std::string, Hash> known;  // account -> index, from earlier epochs
  uint64_t checked_total = 0;
  uint64_t start = 0;  // the current epoch's first entry
  for (uint64_t i = 0; i < log.entries.size(); ++i) {
    auto epoch_entry = DecodeEpochEntry(log.entries[i]);
    if (!epoch_entry.ok()) continue;  // an update entry
    const uint64_t epoch = epoch_entry->epoch;
    const std::vector<std::string> updates(log.entries.begin() + start, log.entries.begin() + i);
    const uint64_t count = replica::PrivatePartCount(updates.size());
    std::vector<replica::PrivatePart> parts;
    for (uint64_t k = 0; k < count; ++k) {
      const std::string path = tiles::PrivateBundlePath(epoch, static_cast<uint32_t>(k));
      auto sealed = fetch(path);
      if (!sealed.ok()) return sealed.status();
      auto part = replica::OpenPrivatePart(key, origin, epoch, static_cast<uint32_t>(k), *sealed);
      if (!part.ok()) return part.status();
      parts.push_back(*std::move(part));
    }
    const std::string beyond = tiles::PrivateBundlePath(epoch, static_cast<uint32_t>(count));
    if (fetch(beyond).ok()) return absl::InvalidArgumentError(absl::StrCat(beyond, " exists"));
    auto checked = replica::CheckPrivateBundle(
        epoch, start, updates, parts, vrf,
        [&known](absl::string_view account) -> absl::StatusOr<std::optional<Hash>> {
          auto it = known.find(std::string(account));
          if (it == known.end()) return std::optional<Hash>();
          return std::optional<Hash>(it->second);
        });
    if (!checked.ok()) return checked.status();
    for (const replica::CheckedUpdate& u : *checked) known[u.update.account] = u.entry.index;
    checked_total += checked->size();
    start = i + 1;
  }
  return checked_total;
}

}  // namespace keytrail::test
