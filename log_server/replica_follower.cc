#include "log_server/replica_follower.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/crypto/sha256.h"
#include "core/merkle/hasher.h"
#include "core/protocol/entry.h"
#include "core/tiles/tile_codec.h"
#include "core/tiles/tile_path.h"
#include "core/util/logging.h"
#include "log_server/entry_bundle_fetch.h"
#include "log_server/epoch_assembler.h"

namespace keytrail {
namespace {

constexpr uint64_t kWidth = tiles::kTileWidth;

// Codes that mean the published data is wrong, not late: retrying cannot
// help, so the follower stops (see the header).
bool IsBadData(const absl::Status& s) {
  return absl::IsInvalidArgument(s) || absl::IsFailedPrecondition(s) || absl::IsDataLoss(s);
}

absl::Status Annotate(const absl::Status& s, absl::string_view object) {
  return absl::Status(s.code(), absl::StrCat(object, ": ", s.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReplicaFollower>> ReplicaFollower::Create(
    ReplicaFollowerOptions options) {
  if (options.tiles == nullptr || options.private_store == nullptr || options.sink == nullptr ||
      options.replica_key == nullptr || options.origin.empty()) {
    return absl::InvalidArgumentError(
        "replica follower: tile store, private store, sink, replica key and origin are required");
  }
  auto log_verifier = note::ParseVerifierKey(options.log_vkey);
  if (!log_verifier.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("replica follower: log key: ", log_verifier.status().message()));
  }
  std::vector<note::CosignatureVerifier> cosigners;
  for (const std::string& vkey : options.cosigner_vkeys) {
    auto c = note::ParseCosignatureVerifierKey(vkey);
    if (!c.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("replica follower: cosigner key: ", c.status().message()));
    }
    cosigners.push_back(*std::move(c));
  }
  if (options.required_cosignatures > cosigners.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("replica follower: ", options.required_cosignatures,
                     " cosignatures required but only ", cosigners.size(), " cosigner keys given"));
  }
  return std::unique_ptr<ReplicaFollower>(
      new ReplicaFollower(std::move(options), *std::move(log_verifier), std::move(cosigners)));
}

ReplicaFollower::ReplicaFollower(ReplicaFollowerOptions options,
                                 note::Ed25519NoteVerifier log_verifier,
                                 std::vector<note::CosignatureVerifier> cosigners)
    : options_(std::move(options)),
      log_verifier_(std::move(log_verifier)),
      cosigners_(std::move(cosigners)) {
  if (options_.serving != nullptr) {
    status_.serving = true;
    status_.served_epoch = options_.serving->log.epoch;
    status_.served_size = options_.serving->log.tree_size;
    status_.served_timestamp_ms = options_.serving->log.timestamp_ms;
  }
  status_.replayed_size = options_.sink->tree_size();
}

ReplicaFollower::~ReplicaFollower() { Stop(); }

void ReplicaFollower::Start() {
  worker_ = std::thread([this] { Work(); });
}

void ReplicaFollower::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    changed_.SignalAll();
  }
  if (worker_.joinable()) worker_.join();
}

bool ReplicaFollower::stopping() const {
  absl::MutexLock lock(&mu_);
  return stop_;
}

absl::Time ReplicaFollower::Now() const { return options_.clock ? options_.clock() : absl::Now(); }

ReplicaFollowerStatus ReplicaFollower::status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

bool ReplicaFollower::HealthyLocked() const {
  if (status_.stopped || !status_.serving) return false;
  return Now() - absl::FromUnixMillis(static_cast<int64_t>(status_.served_timestamp_ms)) <=
         options_.max_staleness;
}

bool ReplicaFollower::healthy() const {
  absl::MutexLock lock(&mu_);
  return HealthyLocked();
}

void ReplicaFollower::UpdateHealth() {
  const bool now = healthy();
  if (reported_health_.has_value() && *reported_health_ == now) return;
  reported_health_ = now;
  if (options_.on_health) options_.on_health(now);
}

std::string ReplicaFollower::Metrics() const {
  ReplicaFollowerStatus s;
  bool healthy;
  uint64_t age_seconds = 0;
  {
    absl::MutexLock lock(&mu_);
    s = status_;
    healthy = HealthyLocked();
    if (s.serving) {
      const absl::Duration age =
          Now() - absl::FromUnixMillis(static_cast<int64_t>(s.served_timestamp_ms));
      age_seconds = static_cast<uint64_t>(std::max<int64_t>(0, absl::ToInt64Seconds(age)));
    }
  }
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help, uint64_t v) {
    absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n", name, " ",
                    v, "\n");
  };
  metric("keytrail_replica_served_size", "gauge", "Tree size of the checkpoint the replica serves.",
         s.served_size);
  metric("keytrail_replica_served_epoch", "gauge", "Epoch of the checkpoint the replica serves.",
         s.served_epoch);
  metric("keytrail_replica_store_checkpoint_size", "gauge",
         "Tree size of the newest verified checkpoint in the primary's tile store.", s.store_size);
  metric("keytrail_replica_lag_entries", "gauge",
         "Entries in the store's checkpoint that the replica does not serve yet.",
         s.store_size - std::min(s.store_size, s.served_size));
  metric("keytrail_replica_served_age_seconds", "gauge",
         "Age of the served epoch (now minus its epoch entry's timestamp).", age_seconds);
  metric("keytrail_replica_rounds_total", "counter", "Rounds run since start.", s.rounds);
  metric("keytrail_replica_errors_total", "counter", "Rounds that failed since start.", s.errors);
  metric("keytrail_replica_epochs_replayed_total", "counter",
         "Epochs handed to the replica's storage since start.", s.epochs_replayed);
  metric("keytrail_replica_failing", "gauge", "1 while rounds fail and are retried.",
         s.failing ? 1 : 0);
  metric("keytrail_replica_stopped", "gauge",
         "1 once bad data stopped the replica (until it restarts).", s.stopped ? 1 : 0);
  metric("keytrail_replica_healthy", "gauge",
         "1 while serving an epoch at most max_staleness old and not stopped.", healthy ? 1 : 0);
  return out;
}

absl::StatusOr<ReplicaFollower::Verified> ReplicaFollower::FetchCheckpoint() {
  auto bytes = options_.tiles->Get(tiles::kCheckpointPath);
  if (!bytes.ok()) return Annotate(bytes.status(), tiles::kCheckpointPath);
  const note::NoteVerifier* keys[] = {&log_verifier_};
  auto opened = note::OpenNote(*bytes, keys);
  if (!opened.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint: ", opened.status().message()));
  }
  auto checkpoint = note::ParseCheckpoint(opened->text);
  if (!checkpoint.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint: ", checkpoint.status().message()));
  }
  if (checkpoint->origin != options_.origin) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint: origin \"", checkpoint->origin,
                                                   "\", not \"", options_.origin, "\""));
  }
  if (options_.required_cosignatures > 0) {
    const size_t n = note::CountCosignatures(opened->text, opened->unverified, cosigners_);
    if (n < options_.required_cosignatures) {
      return absl::InvalidArgumentError(absl::StrCat("checkpoint: ", n, " of the ",
                                                     options_.required_cosignatures,
                                                     " required cosignatures verify"));
    }
  }
  return Verified{*std::move(bytes), *std::move(checkpoint)};
}

absl::Status ReplicaFollower::Round() {
  auto v = FetchCheckpoint();
  if (!v.ok()) return v.status();
  const note::Checkpoint& cp = v->checkpoint;
  {
    absl::MutexLock lock(&mu_);
    status_.store_size = cp.size;
  }
  const uint64_t held = options_.sink->tree_size();
  auto range = merkle::CompactRange::FromHashes(held, options_.sink->frontier());
  if (!range.ok()) return Annotate(absl::FailedPreconditionError(range.status().message()), "sink");
  if (cp.size < held) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint: rollback: size ", cp.size,
                                                   " is smaller than the ", held,
                                                   " entries the replica holds"));
  }
  if (cp.size == held) {
    if (range->Root() != cp.root) {
      return absl::InvalidArgumentError(
          absl::StrCat("checkpoint: fork: its root at size ", cp.size, " is ", HashHex(cp.root),
                       ", the replica's is ", HashHex(range->Root())));
    }
    return absl::OkStatus();
  }
  return CatchUp(*v, *std::move(range));
}

absl::Status ReplicaFollower::CatchUp(const Verified& v, merkle::CompactRange range) {
  const uint64_t start = range.size();
  const uint64_t end = v.checkpoint.size;
  const bool hold = end - start <= options_.max_entries_held;
  const uint64_t first_bundle = start / kWidth;
  const uint64_t bundles = (end - 1) / kWidth - first_bundle + 1;
  const size_t batch = static_cast<size_t>(std::max(options_.parallel_fetches, 1)) * 4;
  const absl::Time began = absl::Now();
  uint64_t epochs = 0;

  // Runs `use` on every bundle of [start, end) in order, fetching `batch`
  // at a time.
  auto each_bundle = [&](const std::function<absl::Status(uint64_t, const Bundle&)>& use) {
    for (uint64_t b = 0; b < bundles; b += batch) {
      if (stopping()) return absl::CancelledError("stopping");
      const size_t n = static_cast<size_t>(std::min<uint64_t>(batch, bundles - b));
      auto got = FetchAll<Bundle>(n, options_.parallel_fetches, [&](size_t i) {
        return FetchBundle(*options_.tiles, first_bundle + b + i, start, end);
      });
      for (size_t i = 0; i < n; ++i) {
        if (!got[i].ok()) return got[i].status();
        absl::Status used = use(b + i, *got[i]);
        if (!used.ok()) return used;
      }
    }
    return absl::OkStatus();
  };

  // Pass 1: the root, before anything reaches the sink.
  std::vector<std::string> entries;  // when held
  std::vector<Hash> digests;         // when not: per bundle, of its leaf hashes
  absl::Status pass = each_bundle([&](uint64_t, const Bundle& b) {
    Sha256 digest;
    for (absl::string_view e : b.entries) {
      const Hash leaf = merkle::HashLeaf(e);
      range.Append(leaf);
      if (hold) {
        entries.emplace_back(e);
      } else {
        digest.Update(leaf);
      }
    }
    if (!hold) digests.push_back(digest.Finish());
    return absl::OkStatus();
  });
  if (!pass.ok()) return pass;
  if (range.Root() != v.checkpoint.root) {
    return absl::InvalidArgumentError(absl::StrCat(
        "entries ", start, "..", end - 1, " (", tiles::EntryBundlePath(first_bundle, kWidth),
        " to ", tiles::EntryBundlePath(first_bundle + bundles - 1, kWidth),
        "): with the replica's tree of size ", start, " their RFC 6962 root is ",
        HashHex(range.Root()), ", not the checkpoint's ", HashHex(v.checkpoint.root)));
  }

  EpochAssembler assembler(options_.sink->next_epoch(), start, end,
                           [&](ReplicaEpoch& epoch, uint64_t timestamp_ms, bool last) {
                             ++epochs;
                             return Deliver(v, epoch, timestamp_ms, last);
                           });
  if (hold) {
    for (uint64_t i = 0; i < entries.size(); ++i) {
      absl::Status added = assembler.Add(entries[i], start + i);
      if (!added.ok()) return added;
      entries[i] = std::string();  // handed on: free it
    }
  } else {
    // Pass 2: the same entries again, epoch by epoch; each bundle must hold
    // what pass 1 checked.
    uint64_t index = start;
    pass = each_bundle([&](uint64_t b, const Bundle& bundle) {
      Sha256 digest;
      for (absl::string_view e : bundle.entries) digest.Update(merkle::HashLeaf(e));
      if (digest.Finish() != digests[b]) {
        return absl::InvalidArgumentError(absl::StrCat(
            bundle.path, ": its entries changed between the two passes of the catch-up"));
      }
      for (absl::string_view e : bundle.entries) {
        absl::Status added = assembler.Add(e, index++);
        if (!added.ok()) return added;
      }
      return absl::OkStatus();
    });
    if (!pass.ok()) return pass;
  }
  absl::Status finished = assembler.Finish();
  if (!finished.ok()) return finished;
  LogInfo("replica: serving checkpoint of size %d (epoch %d; %d epochs, %d entries in %s)", end,
          status().served_epoch, epochs, end - start, absl::FormatDuration(absl::Now() - began));
  return absl::OkStatus();
}

absl::Status ReplicaFollower::Deliver(const Verified& v, ReplicaEpoch& epoch, uint64_t timestamp_ms,
                                      bool last) {
  if (stopping()) return absl::CancelledError("stopping");
  const uint64_t count = replica::PrivatePartCount(epoch.update_entries.size());
  if (count > uint64_t{tiles::kMaxPrivatePart} + 1) {
    return absl::InvalidArgumentError(absl::StrCat("epoch ", epoch.epoch, ": too many updates"));
  }
  auto parts = FetchAll<replica::PrivatePart>(
      static_cast<size_t>(count), options_.parallel_fetches,
      [&](size_t k) -> absl::StatusOr<replica::PrivatePart> {
        const uint32_t part = static_cast<uint32_t>(k);
        const std::string path = tiles::PrivateBundlePath(epoch.epoch, part);
        auto sealed = options_.private_store->Get(path);
        if (!sealed.ok()) return Annotate(sealed.status(), path);
        auto opened = replica::OpenPrivatePart(*options_.replica_key, options_.origin, epoch.epoch,
                                               part, *sealed);
        if (!opened.ok()) {
          return Annotate(absl::InvalidArgumentError(opened.status().message()), path);
        }
        return opened;
      });
  epoch.parts.clear();
  for (auto& part : parts) {
    if (!part.ok()) return part.status();
    epoch.parts.push_back(*std::move(part));
  }
  auto state = options_.sink->Replay(epoch, last ? &v.note : nullptr);
  if (!state.ok()) {
    std::string parts = tiles::PrivateBundlePath(epoch.epoch, 0);
    parts.back() = '*';  // its parts, whatever their number
    return Annotate(state.status(),
                    absl::StrCat("epoch ", epoch.epoch, " (entries ", epoch.first_log_index, "..",
                                 epoch.first_log_index + epoch.update_entries.size(), " and ",
                                 parts, "): the replica's storage"));
  }
  Replayed(epoch.epoch, epoch.first_log_index + epoch.update_entries.size() + 1, timestamp_ms,
           last);
  if (last && *state != nullptr && options_.on_served) options_.on_served(*state);
  return absl::OkStatus();
}

void ReplicaFollower::Replayed(uint64_t epoch, uint64_t end, uint64_t timestamp_ms, bool served) {
  absl::MutexLock lock(&mu_);
  ++status_.epochs_replayed;
  status_.replayed_size = end;
  if (!served) return;
  status_.serving = true;
  status_.served_epoch = epoch;
  status_.served_size = end;
  status_.served_timestamp_ms = timestamp_ms;
}

absl::Status ReplicaFollower::Step() {
  {
    absl::MutexLock lock(&mu_);
    if (status_.stopped) {
      return absl::FailedPreconditionError(absl::StrCat("stopped: ", status_.last_error));
    }
  }
  absl::Status outcome = Round();
  Account(outcome);
  return outcome;
}

void ReplicaFollower::Account(const absl::Status& outcome) {
  const uint64_t held = options_.sink->tree_size();
  bool recovered = false;
  bool first_failure = false;
  ReplicaFollowerStatus s;
  {
    absl::MutexLock lock(&mu_);
    ++status_.rounds;
    status_.replayed_size = held;
    if (outcome.ok()) {
      recovered = status_.failing;
      status_.failing = false;
    } else if (!absl::IsCancelled(outcome)) {
      ++status_.errors;
      first_failure = !status_.failing;
      status_.failing = true;
      status_.last_error = std::string(outcome.message());
      status_.stopped = IsBadData(outcome);
    }
    s = status_;
  }
  if (recovered) LogInfo("replica: following %s works again", options_.tiles->Describe());
  const std::string serving =
      s.serving ? absl::StrCat("serving epoch ", s.served_epoch, ", size ", s.served_size)
                : std::string("serving nothing yet");
  if (s.stopped) {
    LogError("replica: stopped following %s at tree size %d (%s) until a restart: %s",
             options_.tiles->Describe(), held, serving, s.last_error);
  } else if (first_failure) {
    LogWarning("replica: following %s failed (retrying with backoff; %s): %s",
               options_.tiles->Describe(), serving, s.last_error);
  }
  UpdateHealth();
}

void ReplicaFollower::Work() {
  absl::Duration backoff = options_.min_backoff;
  while (true) {
    absl::Status outcome = Step();
    if (absl::IsCancelled(outcome)) return;
    absl::Duration wait = options_.poll_interval;
    const bool stopped = status().stopped;
    if (outcome.ok() || stopped) {
      backoff = options_.min_backoff;
    } else {
      wait = backoff;
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
    // Stopped by bad data: no more rounds, but health is still kept up to
    // date (it only changes by staleness then: stays unhealthy).
    absl::MutexLock lock(&mu_);
    const absl::Time until = absl::Now() + wait;
    while (!stop_ && absl::Now() < until) changed_.WaitWithDeadline(&mu_, until);
    if (stop_) return;
    if (stopped) {
      while (!stop_) changed_.Wait(&mu_);
      return;
    }
  }
}

}  // namespace keytrail
