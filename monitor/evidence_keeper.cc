#include "monitor/evidence_keeper.h"

#include <cctype>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/util/file.h"
#include "core/util/logging.h"

namespace keytrail::monitor {
namespace {

// A file name from the origin: letters and digits kept, the rest '_'.
std::string FileSafe(absl::string_view s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

}  // namespace

EvidenceKeeper::EvidenceKeeper(EvidenceKeeperOptions options,
                               const std::vector<std::string>& stored)
    : options_(std::move(options)) {
  absl::MutexLock lock(&list_mu_);
  for (size_t i = 0; i < stored.size(); ++i) {
    v1::EvidenceInfo info;
    auto decoded = evidence::DecodeEvidence(stored[i]);
    auto finding = decoded.ok() ? evidence::VerifyEvidence(*decoded)
                                : absl::StatusOr<evidence::Finding>(decoded.status());
    info.set_summary(finding.ok() ? finding->summary
                                  : absl::StrCat("stored evidence does not verify: ",
                                                 finding.status().message()));
    info.set_file(FileName(i));
    info.set_evidence(stored[i]);
    stored_.push_back(std::move(info));
  }
  found_ = misbehaving_ = !stored.empty();
}

std::string EvidenceKeeper::FileName(uint64_t seq) const {
  return absl::StrCat(options_.evidence_dir, "/", FileSafe(options_.origin), "-", seq, ".evidence");
}

absl::Status EvidenceKeeper::Keep(const evidence::Evidence& e) {
  absl::MutexLock keeping(&keep_mu_);
  auto finding = evidence::VerifyEvidence(e);
  if (!finding.ok()) {
    LogError("%s: BUG: evidence built by this monitor does not verify: %s", options_.origin,
             finding.status().message());
    return absl::InternalError(finding.status().message());
  }
  const std::string bytes = evidence::EncodeEvidence(e);
  // No more cosignatures from now on, whether or not it can be stored.
  found_ = true;
  absl::Status stored = Store(bytes, finding->summary);
  if (!stored.ok()) {
    unsaved_.push_back({bytes, finding->summary});
    {
      absl::MutexLock lock(&list_mu_);
      has_unsaved_ = true;
    }
    // Until a write works the evidence lives only in this process: a
    // restart before then would lose it (a split view seen only in a pushed
    // checkpoint is not found again). The log usually goes elsewhere than
    // the full disk, so the line carries a copy when it is small enough for
    // one line (a split view's is a few KiB; a broken rule's with many map
    // witnesses can be megabytes).
    const std::string copy =
        bytes.size() <= kMaxLoggedEvidenceBytes
            ? absl::StrCat("; the evidence file, base64: ", Base64Encode(bytes))
            : absl::StrCat("; the evidence (", bytes.size(), " bytes) is too large to log");
    LogError(
        "%s: MISBEHAVING: %s; the evidence can't be stored yet (%s): retried until it "
        "is; no longer cosigning%s",
        options_.origin, finding->summary, stored.message(), copy);
  }
  misbehaving_ = true;
  return absl::FailedPreconditionError(
      absl::StrCat(options_.origin, " is misbehaving: ", finding->summary));
}

absl::Status EvidenceKeeper::StoreUnsaved() {
  absl::MutexLock keeping(&keep_mu_);
  while (!unsaved_.empty()) {
    absl::Status s = Store(unsaved_.front().bytes, unsaved_.front().summary);
    if (!s.ok()) return s;
    unsaved_.erase(unsaved_.begin());
  }
  absl::MutexLock lock(&list_mu_);
  has_unsaved_ = false;
  return absl::OkStatus();
}

bool EvidenceKeeper::has_unsaved() const {
  absl::MutexLock lock(&list_mu_);
  return has_unsaved_;
}

std::vector<v1::EvidenceInfo> EvidenceKeeper::List() const {
  absl::MutexLock lock(&list_mu_);
  return stored_;
}

absl::Status EvidenceKeeper::Store(const std::string& bytes, const std::string& summary) {
  auto seq = options_.add(bytes);
  if (options_.report) options_.report(seq.status());
  if (!seq.ok()) return seq.status();
  std::error_code ec;
  std::filesystem::create_directories(options_.evidence_dir, ec);
  const std::string file = FileName(*seq);
  // The database holds the evidence durably already; the file is the copy an
  // operator hands on, so failing to write it is logged, not fatal.
  const absl::Status written = WriteFileDurably(file, bytes, 0644);
  if (!written.ok()) {
    LogError("%s: could not write the evidence file: %s", options_.origin, written.ToString());
  }
  LogError("%s: MISBEHAVING: %s; evidence in %s; no longer cosigning", options_.origin, summary,
           file);
  v1::EvidenceInfo info;
  info.set_summary(summary);
  info.set_file(file);
  info.set_evidence(bytes);
  absl::MutexLock lock(&list_mu_);
  stored_.push_back(std::move(info));
  return absl::OkStatus();
}

}  // namespace keytrail::monitor
