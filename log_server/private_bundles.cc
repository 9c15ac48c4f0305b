#include "log_server/private_bundles.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "core/protocol/entry.h"

namespace keytrail {

absl::StatusOr<std::vector<replica::PrivatePart>> ReadPrivateParts(const LogReader& reader,
                                                                   uint64_t epoch) {
  auto tree_size = [&reader](uint64_t e) -> absl::StatusOr<uint64_t> {
    auto record = reader.GetEpoch(e);
    if (!record.ok()) return record.status();
    if (!record->has_value())
      return absl::DataLossError(absl::StrCat("epoch ", e, " has no record"));
    return (*record)->tree_size;
  };
  auto end = tree_size(epoch);
  if (!end.ok()) return end.status();
  uint64_t start = 0;
  if (epoch > 0) {
    auto previous = tree_size(epoch - 1);
    if (!previous.ok()) return previous.status();
    start = *previous;
  }
  // The epoch's entries are its updates, then its epoch entry.
  if (*end <= start) {
    return absl::DataLossError(absl::StrCat("epoch ", epoch, " has tree size ", *end,
                                            ", not above the previous epoch's ", start));
  }
  const uint64_t count = *end - 1 - start;
  std::vector<replica::PrivatePart> parts;
  if (count == 0) return parts;
  auto entries = reader.GetEntries(start, count);
  if (!entries.ok()) return entries.status();
  parts.reserve(replica::PrivatePartCount(count));
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t log_index = start + i;
    if (i % replica::kPrivatePartUpdates == 0) {
      replica::PrivatePart part;
      part.epoch = epoch;
      part.part = static_cast<uint32_t>(i / replica::kPrivatePartUpdates);
      part.first_log_index = log_index;
      parts.push_back(std::move(part));
    }
    auto entry = DecodeUpdateEntry((*entries)[i]);
    if (!entry.ok() || entry->epoch != epoch) {
      return absl::DataLossError(
          absl::StrCat("entry ", log_index, " is not an update entry of epoch ", epoch));
    }
    auto version = reader.GetVersion(entry->index, entry->version);
    if (!version.ok()) return version.status();
    if (!version->has_value()) {
      return absl::DataLossError(absl::StrCat("entry ", log_index, ": version ", entry->version,
                                              " of index ", HashHex(entry->index),
                                              " has no record"));
    }
    auto id = reader.GetAccountId(entry->index);
    if (!id.ok()) return id.status();
    if (!id->has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat("index ", HashHex(entry->index),
                       " has no account_ids record (an older data directory not backfilled "
                       "yet: LogStorage::BackfillAccountIds)"));
    }
    replica::PrivateUpdate update;
    update.account = (*id)->account;
    update.opening = (*version)->opening;
    update.key_set = (*version)->key_set;
    if (entry->version == 1) {
      auto account = reader.GetAccount(update.account);
      if (!account.ok()) return account.status();
      if (!account->has_value() || (*account)->index != entry->index) {
        return absl::DataLossError(absl::StrCat("index ", HashHex(entry->index),
                                                ": its account record is missing or names "
                                                "another index"));
      }
      update.vrf_proof = (*account)->vrf_proof;
    }
    parts.back().updates.push_back(std::move(update));
  }
  return parts;
}

}  // namespace keytrail
