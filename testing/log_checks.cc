#include "testing/log_checks.h"

#include <variant>

#include "absl/strings/str_cat.h"
#include "core/protocol/entry.h"

namespace keytrail::test {

absl::StatusOr<std::vector<std::string>> FetchEntries(v1::KeyTransparencyLog::Stub& stub,
                                                      uint64_t size) {
  std::vector<std::string> entries;
  while (entries.size() < size) {
    grpc::ClientContext ctx;
    v1::GetEntriesRequest req;
    req.set_start(entries.size());
    req.set_count(size - entries.size());
    v1::GetEntriesResponse resp;
    grpc::Status s = stub.GetEntries(&ctx, req, &resp);
    if (!s.ok()) return absl::UnavailableError(absl::StrCat("GetEntries: ", s.error_message()));
    if (resp.entries_size() == 0) return absl::DataLossError("GetEntries returned nothing");
    for (std::string& e : *resp.mutable_entries()) entries.push_back(std::move(e));
  }
  return entries;
}

absl::Status CheckWholeEpochs(absl::Span<const std::string> entries) {
  uint64_t epoch = 0, updates = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto entry = DecodeEntry(entries[i]);
    if (!entry.ok())
      return absl::Status(entry.status().code(),
                          absl::StrCat("entry ", i, ": ", entry.status().message()));
    if (const auto* u = std::get_if<UpdateEntry>(&*entry)) {
      if (u->epoch != epoch) {
        return absl::InternalError(absl::StrCat("entry ", i, ": update in epoch ", u->epoch,
                                                " while epoch ", epoch, " is open"));
      }
      ++updates;
      continue;
    }
    const auto& e = std::get<EpochEntry>(*entry);
    if (e.epoch != epoch || e.update_count != updates) {
      return absl::InternalError(absl::StrCat("entry ", i, ": epoch entry ", e.epoch, " counting ",
                                              e.update_count, " updates, want epoch ", epoch,
                                              " with ", updates));
    }
    ++epoch;
    updates = 0;
  }
  if (updates != 0) {
    return absl::InternalError(
        absl::StrCat("the log ends inside epoch ", epoch, " after ", updates, " updates"));
  }
  return absl::OkStatus();
}

}  // namespace keytrail::test
