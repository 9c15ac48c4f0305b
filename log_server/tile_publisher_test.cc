#include "log_server/tile_publisher.h"

#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "core/crypto/ecvrf.h"
#include "core/merkle/compact_range.h"
#include "core/note/checkpoint.h"
#include "core/note/ed25519_note.h"
#include "core/note/note.h"
#include "core/protocol/entry.h"
#include "core/protocol/key_set.h"
#include "core/replica/bundle_check.h"
#include "core/replica/private_bundle.h"
#include "core/tiles/directory_store.h"
#include "core/tiles/tile_codec.h"
#include "core/tiles/tile_path.h"
#include "gtest/gtest.h"
#include "log_server/epoch_builder.h"

namespace keytrail {
namespace {

using tiles::ObjectId;
using tiles::ObjectKind;
using tiles::ObjectType;

// The tree size a checkpoint note states.
uint64_t CheckpointSize(const std::string& note_text) {
  auto parsed = note::ParseNote(note_text);
  EXPECT_TRUE(parsed.ok());
  auto checkpoint = note::ParseCheckpoint(parsed->text);
  EXPECT_TRUE(checkpoint.ok());
  return checkpoint.ok() ? checkpoint->size : 0;
}

// An in-memory TileStore that records every Put, can fail on demand, and
// checks on every checkpoint Put that the tiles of its size are all there.
class RecordingStore : public tiles::TileStore {
 public:
  absl::Status Put(absl::string_view path, absl::string_view bytes, ObjectKind kind) override {
    absl::MutexLock lock(&mu_);
    if (fail_puts_ > 0 || fail_forever_) {
      if (fail_puts_ > 0) --fail_puts_;
      return failure_;
    }
    auto id = tiles::ParseObjectPath(path);
    EXPECT_TRUE(id.ok()) << path;
    auto it = objects_.find(std::string(path));
    if (kind == ObjectKind::kImmutable && it != objects_.end() && it->second != bytes) {
      return absl::FailedPreconditionError("different bytes");
    }
    EXPECT_EQ(kind == ObjectKind::kMutable, id->type == ObjectType::kCheckpoint || id->partial())
        << path;
    if (id->type == ObjectType::kCheckpoint) {
      CheckTilesOf(CheckpointSize(std::string(bytes)));
      if (on_checkpoint_) on_checkpoint_(CheckpointSize(std::string(bytes)));
    }
    objects_[std::string(path)] = std::string(bytes);
    order_.push_back(std::string(path));
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> Get(absl::string_view path) override {
    absl::MutexLock lock(&mu_);
    auto it = objects_.find(std::string(path));
    if (it == objects_.end()) return absl::NotFoundError(path);
    return it->second;
  }
  std::string Describe() const override { return "recording store"; }

  void FailNext(int n, absl::Status why) {
    absl::MutexLock lock(&mu_);
    fail_puts_ = n;
    failure_ = why;
  }
  void FailForever(bool on) {
    absl::MutexLock lock(&mu_);
    fail_forever_ = on;
    failure_ = absl::UnavailableError("store down");
  }
  std::map<std::string, std::string> objects() const {
    absl::MutexLock lock(&mu_);
    return objects_;
  }
  std::vector<std::string> order() const {
    absl::MutexLock lock(&mu_);
    return order_;
  }
  int checkpoints_checked() const {
    absl::MutexLock lock(&mu_);
    return checkpoints_checked_;
  }
  void Wipe() {
    absl::MutexLock lock(&mu_);
    objects_.clear();
  }
  // Called inside each checkpoint Put with its tree size. Set before use.
  std::function<void(uint64_t size)> on_checkpoint_;

 private:
  // Every tile a client of a checkpoint of `size` may fetch: each full tile,
  // and each partial tile of that size (or the full tile that replaced it).
  void CheckTilesOf(uint64_t size) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ++checkpoints_checked_;
    for (const ObjectId& id : tiles::NewObjects(0, size)) {
      ObjectId full = id;
      full.width = tiles::kTileWidth;
      EXPECT_TRUE(objects_.count(tiles::ObjectPath(id)) || objects_.count(tiles::ObjectPath(full)))
          << "checkpoint of size " << size << " written before " << tiles::ObjectPath(id);
    }
  }

  mutable absl::Mutex mu_;
  std::map<std::string, std::string> objects_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> order_ ABSL_GUARDED_BY(mu_);
  int fail_puts_ ABSL_GUARDED_BY(mu_) = 0;
  bool fail_forever_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  int checkpoints_checked_ ABSL_GUARDED_BY(mu_) = 0;
};

class TilePublisherTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           testing::UnitTest::GetInstance()->current_test_info()->name();
    signer_ = note::Ed25519NoteSigner::Generate("example.org/tiles-log").value();
    config_.origin = signer_->name();
    config_.note_verifier_key = signer_->VerifierKey();
    config_.vrf_public_key = vrf_.public_key().bytes();
    for (int i = 0; i < 40; ++i) {
      PreparedUpdate u;
      u.account = "account-" + std::to_string(i);
      u.account_record.vrf_proof = vrf_.Prove(u.account);
      u.account_record.index = VrfProofToHash(u.account_record.vrf_proof).value();
      KeySet ks;
      ks.devices.push_back(Device{"phone", "key"});
      u.key_set = EncodeKeySet(ks).value();
      accounts_.push_back(u);
    }
    OpenStorage();
  }

  void OpenStorage() {
    builder_.reset();
    storage_.reset();
    storage_ = LogStorage::Open(dir_, 1 << 20).value();
    builder_ = EpochBuilder::Open(storage_.get(), config_, *signer_, [] {
                 return uint64_t{1764300000000};
               }).value();
  }

  // An epoch of `n` updates; returns its published state.
  std::shared_ptr<const PublishedState> Epoch(int n) {
    std::vector<PreparedUpdate> updates;
    for (int i = 0; i < n; ++i) updates.push_back(accounts_[(next_++) % accounts_.size()]);
    auto result = builder_->BuildEpoch(updates);
    EXPECT_TRUE(result.ok()) << result.status();
    return result->published;
  }

  // Waits until the store's checkpoint is of `epoch`'s size.
  void WaitForCheckpoint(TilePublisher& p, uint64_t epoch) {
    for (int i = 0;
         i < 3000 && !(p.status().has_checkpoint && p.status().checkpoint_epoch >= epoch); ++i) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    ASSERT_TRUE(p.status().has_checkpoint);
    ASSERT_EQ(p.status().checkpoint_epoch, epoch);
  }

  // Checks the store against the log as of `state`: every entry bundle
  // holds exactly the log's entries, every level-0 tile their leaf hashes,
  // every higher tile the roots of the full tiles below, and the root of
  // the level-0 hashes is the checkpoint's.
  void CheckStore(const std::map<std::string, std::string>& objects, const PublishedState& state) {
    const uint64_t size = state.log.tree_size;
    auto entries = storage_->Reader(state.snapshot.get()).GetEntries(0, size);
    ASSERT_TRUE(entries.ok());
    merkle::CompactRange range;
    std::map<std::pair<int, uint64_t>, std::vector<Hash>> tiles_by;
    for (const ObjectId& id : tiles::NewObjects(0, size)) {
      auto it = objects.find(tiles::ObjectPath(id));
      ASSERT_TRUE(it != objects.end()) << tiles::ObjectPath(id);
      const uint64_t first = id.index * 256;
      if (id.type == ObjectType::kEntryBundle) {
        auto bundle = tiles::ParseEntryBundle(it->second, id.width);
        ASSERT_TRUE(bundle.ok()) << bundle.status();
        for (int i = 0; i < id.width; ++i) EXPECT_EQ((*bundle)[i], (*entries)[first + i]);
        continue;
      }
      auto hashes = tiles::ParseHashTile(it->second, id.width);
      ASSERT_TRUE(hashes.ok());
      tiles_by[{id.level, id.index}] = *hashes;
      if (id.level == 0) {
        for (int i = 0; i < id.width; ++i) {
          EXPECT_EQ((*hashes)[i], EntryLeafHash((*entries)[first + i]));
          range.Append((*hashes)[i]);
        }
      }
    }
    for (const auto& [key, hashes] : tiles_by) {
      if (key.first == 0) continue;
      for (size_t i = 0; i < hashes.size(); ++i) {
        const auto& below = tiles_by[{key.first - 1, key.second * 256 + i}];
        ASSERT_EQ(below.size(), 256u);
        EXPECT_EQ(hashes[i], tiles::FullTileRoot(below));
      }
    }
    EXPECT_EQ(range.size(), size);
    EXPECT_EQ(range.Root(), state.log_root);
    EXPECT_EQ(objects.at("checkpoint"), state.checkpoint);
  }

  VrfPrivateKey vrf_ = VrfPrivateKey::Generate();
  std::optional<note::Ed25519NoteSigner> signer_;
  LogConfig config_;
  std::string dir_;
  std::vector<PreparedUpdate> accounts_;
  size_t next_ = 0;
  std::unique_ptr<LogStorage> storage_;
  std::unique_ptr<EpochBuilder> builder_;
};

TEST_F(TilePublisherTest, PublishesEveryEpochTilesFirstCheckpointLast) {
  RecordingStore store;
  std::vector<uint64_t> written_epochs;
  absl::Mutex mu;
  TilePublisherOptions options;
  options.on_tiles_written = [&](const std::shared_ptr<const PublishedState>& s) {
    absl::MutexLock lock(&mu);
    written_epochs.push_back(s->log.epoch);
  };
  TilePublisher publisher(storage_.get(), &store, options);
  ASSERT_TRUE(publisher.Restore().ok());
  publisher.Start();
  publisher.Publish(builder_->published());  // genesis: size 1
  WaitForCheckpoint(publisher, 0);
  CheckStore(store.objects(), *builder_->published());
  EXPECT_EQ(store.order().back(), "checkpoint");

  // Across the first full tile (256) and into the next.
  for (int n : {100, 200, 30}) publisher.Publish(Epoch(n));
  WaitForCheckpoint(publisher, 3);
  CheckStore(store.objects(), *builder_->published());
  EXPECT_EQ(store.objects().count("tile/0/000"), 1u);
  EXPECT_EQ(store.objects().count("tile/entries/000"), 1u);
  EXPECT_EQ(store.objects().count("tile/1/000.p/1"), 1u);
  EXPECT_GE(store.checkpoints_checked(), 2);
  {
    absl::MutexLock lock(&mu);
    EXPECT_EQ(written_epochs.back(), 3u);
  }
  // Status and metrics tell where publication is.
  TilePublisherStatus s = publisher.status();
  EXPECT_FALSE(s.failing);
  EXPECT_EQ(s.newest_epoch, 3u);
  EXPECT_EQ(s.checkpoint_size, builder_->published()->log.tree_size);
  EXPECT_NE(publisher.Metrics().find("keytrail_log_tiles_lag_epochs 0\n"), std::string::npos);
  EXPECT_NE(publisher.Metrics().find("keytrail_log_tiles_failing 0\n"), std::string::npos);
  publisher.Stop(absl::Seconds(5));
  // The marker in RocksDB says the same.
  auto marker = storage_->Reader(nullptr).GetTilesPublished();
  ASSERT_TRUE(marker.ok() && marker->has_value());
  EXPECT_EQ((*marker)->epoch, 3u);
  EXPECT_EQ((*marker)->tree_size, builder_->published()->log.tree_size);
}

TEST_F(TilePublisherTest, AnOutageDelaysPublicationIsReportedAndHeals) {
  RecordingStore store;
  std::vector<bool> health;
  absl::Mutex mu;
  TilePublisherOptions options;
  options.min_backoff = absl::Milliseconds(5);
  options.max_backoff = absl::Milliseconds(40);
  options.on_health = [&](bool ok) {
    absl::MutexLock lock(&mu);
    health.push_back(ok);
  };
  TilePublisher publisher(storage_.get(), &store, options);
  ASSERT_TRUE(publisher.Restore().ok());
  store.FailForever(true);
  publisher.Start();
  publisher.Publish(Epoch(50));
  for (int i = 0; i < 2000 && publisher.status().failed_puts < 3; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  TilePublisherStatus down = publisher.status();
  EXPECT_TRUE(down.failing);
  EXPECT_GE(down.failed_puts, 3u);
  EXPECT_NE(down.last_error.find("store down"), std::string::npos);
  EXPECT_FALSE(down.has_checkpoint);
  EXPECT_NE(publisher.Metrics().find("keytrail_log_tiles_failing 1\n"), std::string::npos);
  // Epochs keep committing meanwhile; nothing waits for the store.
  for (int i = 0; i < 3; ++i) publisher.Publish(Epoch(100));
  EXPECT_EQ(publisher.status().newest_epoch, 4u);
  EXPECT_NE(publisher.Metrics().find("keytrail_log_tiles_lag_epochs 4\n"), std::string::npos);
  store.FailForever(false);
  WaitForCheckpoint(publisher, 4);
  EXPECT_FALSE(publisher.status().failing);
  CheckStore(store.objects(), *builder_->published());
  publisher.Stop(absl::Seconds(5));
  absl::MutexLock lock(&mu);
  EXPECT_EQ(health, (std::vector<bool>{false, true}));
}

TEST_F(TilePublisherTest, ADifferentImmutableTileIsAnErrorRetriedUntilRepaired) {
  RecordingStore store;
  // The store holds another log's first tile.
  ASSERT_TRUE(store.Put("tile/entries/000", std::string("\0\1x", 3), ObjectKind::kImmutable).ok());
  TilePublisherOptions options;
  options.min_backoff = absl::Milliseconds(5);
  options.max_backoff = absl::Milliseconds(20);
  TilePublisher publisher(storage_.get(), &store, options);
  ASSERT_TRUE(publisher.Restore().ok());
  publisher.Start();
  publisher.Publish(Epoch(300));
  for (int i = 0; i < 2000 && publisher.status().failed_puts < 2; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_TRUE(publisher.status().failing);
  EXPECT_NE(publisher.status().last_error.find("FAILED_PRECONDITION"), std::string::npos);
  EXPECT_FALSE(publisher.status().has_checkpoint);
  store.Wipe();  // the operator empties the store
  WaitForCheckpoint(publisher, 1);
  CheckStore(store.objects(), *builder_->published());
}

TEST_F(TilePublisherTest, RestartFinishesWhatWasCutOffAndIsIdempotent) {
  const std::string tiles_dir = dir_ + "-tiles";
  auto store = tiles::DirectoryTileStore::Open(tiles_dir).value();
  {
    TilePublisher publisher(storage_.get(), store.get(), {});
    ASSERT_TRUE(publisher.Restore().ok());
    publisher.Start();
    publisher.Publish(Epoch(10));
    WaitForCheckpoint(publisher, 1);
    publisher.Stop(absl::Seconds(5));
  }
  // Epochs committed while publication was stopped, and a crash that left
  // some of the next epoch's tiles but not its checkpoint.
  for (int n : {250, 250}) Epoch(n);
  {
    TilePublisher crashed(storage_.get(), store.get(), {});
    ASSERT_TRUE(crashed.Restore().ok());
    crashed.Start();
    crashed.Publish(builder_->published());
    for (int i = 0; i < 2000 && crashed.status().objects_written < 2; ++i) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    crashed.Stop(absl::ZeroDuration());  // cut off mid-way
  }
  OpenStorage();  // a restart of the log
  TilePublisher publisher(storage_.get(), store.get(), {});
  ASSERT_TRUE(publisher.Restore().ok());
  publisher.Start();
  publisher.Publish(builder_->published());
  WaitForCheckpoint(publisher, 3);
  publisher.Stop(absl::Seconds(5));
  std::map<std::string, std::string> objects;
  for (const ObjectId& id : tiles::NewObjects(0, builder_->published()->log.tree_size)) {
    auto bytes = store->Get(tiles::ObjectPath(id));
    ASSERT_TRUE(bytes.ok()) << tiles::ObjectPath(id);
    objects[tiles::ObjectPath(id)] = *bytes;
  }
  objects["checkpoint"] = store->Get("checkpoint").value();
  CheckStore(objects, *builder_->published());
}

TEST_F(TilePublisherTest, AnEmptiedStoreIsPublishedAgainFromTheStart) {
  RecordingStore store;
  {
    TilePublisher publisher(storage_.get(), &store, {});
    ASSERT_TRUE(publisher.Restore().ok());
    publisher.Start();
    publisher.Publish(Epoch(300));
    WaitForCheckpoint(publisher, 1);
    publisher.Stop(absl::Seconds(5));
  }
  store.Wipe();
  TilePublisher publisher(storage_.get(), &store, {});
  ASSERT_TRUE(publisher.Restore().ok());
  EXPECT_FALSE(publisher.status().has_checkpoint);
  publisher.Start();
  publisher.Publish(Epoch(1));
  WaitForCheckpoint(publisher, 2);
  CheckStore(store.objects(), *builder_->published());
}

TEST_F(TilePublisherTest, WithCosignaturesTheCheckpointWaitsForThem) {
  RecordingStore store;
  absl::Mutex mu;
  std::vector<uint64_t> pushable;
  TilePublisherOptions options;
  options.required_cosignatures = 1;
  options.on_tiles_written = [&](const std::shared_ptr<const PublishedState>& s) {
    absl::MutexLock lock(&mu);
    pushable.push_back(s->log.epoch);
  };
  TilePublisher publisher(storage_.get(), &store, options);
  ASSERT_TRUE(publisher.Restore().ok());
  publisher.Start();
  auto e1 = Epoch(20);
  publisher.Publish(e1);
  // The tiles go out (so the collector may push epoch 1), the checkpoint not.
  for (int i = 0; i < 2000; ++i) {
    absl::MutexLock lock(&mu);
    if (!pushable.empty()) break;
    mu.Unlock();
    absl::SleepFor(absl::Milliseconds(2));
    mu.Lock();
  }
  {
    absl::MutexLock lock(&mu);
    ASSERT_EQ(pushable, std::vector<uint64_t>{1});
  }
  EXPECT_EQ(store.objects().count("tile/0/000.p/22"), 1u);
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(store.objects().count("checkpoint"), 0u);
  // The collector reports the cosigned note (here: the log's note with a
  // made-up cosignature line; the publisher does not interpret it).
  const std::string cosigned = e1->checkpoint + "— monitor.example AAAAAAAA\n";
  publisher.Cosigned(1, cosigned);
  WaitForCheckpoint(publisher, 1);
  EXPECT_EQ(store.objects().at("checkpoint"), cosigned);
  // A later epoch's tiles go out; its checkpoint waits again.
  publisher.Publish(Epoch(5));
  for (int i = 0; i < 2000 && publisher.status().tiles_epoch < 2; ++i) {
    absl::SleepFor(absl::Milliseconds(2));
  }
  EXPECT_EQ(publisher.status().checkpoint_epoch, 1u);
  EXPECT_EQ(store.objects().at("checkpoint"), cosigned);
  publisher.Stop(absl::Seconds(1));
}

TEST_F(TilePublisherTest, ACosignedCheckpointRightAfterARestartIsWritten) {
  // Publication was complete before the restart (the marker says so); the
  // collector restores the cosignatures of that very epoch at start, before
  // any tile is written in this run.
  RecordingStore store;
  TilePublisherOptions options;
  options.required_cosignatures = 1;
  auto e1 = Epoch(3);
  {
    TilePublisher publisher(storage_.get(), &store, options);
    ASSERT_TRUE(publisher.Restore().ok());
    publisher.Start();
    publisher.Publish(e1);
    publisher.Cosigned(1, e1->checkpoint + "— monitor.example AAAAAAAA\n");
    WaitForCheckpoint(publisher, 1);
    publisher.Stop(absl::Seconds(1));
  }
  TilePublisher publisher(storage_.get(), &store, options);
  ASSERT_TRUE(publisher.Restore().ok());
  const std::string more = e1->checkpoint + "— monitor.example BBBBBBBB\n";
  publisher.Cosigned(1, more);  // before Publish and Start, as at start-up
  publisher.Publish(builder_->published());
  publisher.Start();
  for (int i = 0; i < 2000 && store.objects().at("checkpoint") != more; ++i) {
    absl::SleepFor(absl::Milliseconds(2));
  }
  EXPECT_EQ(store.objects().at("checkpoint"), more);
  publisher.Stop(absl::Seconds(1));
}

TEST_F(TilePublisherTest, PrivateBundlesPrecedeTheirCheckpointAndMatchTheEntries) {
  RecordingStore store;
  RecordingStore private_store;
  auto key = std::make_shared<const replica::ReplicaKey>(
      replica::ReplicaKey::FromBytes(std::string(32, 'r')).value());
  TilePublisherOptions options;
  options.private_store = &private_store;
  options.replica_key = key;
  options.origin = config_.origin;
  // The update entries of `epoch`: [first, first + count).
  auto updates_of = [this](uint64_t epoch, uint64_t* first, uint64_t* count) {
    const LogReader r = storage_->Reader(nullptr);
    const uint64_t end = r.GetEpoch(epoch).value()->tree_size;
    *first = r.GetEpoch(epoch - 1).value()->tree_size;
    *count = end - 1 - *first;
  };
  // At every checkpoint Put: every part of every epoch it covers is there.
  store.on_checkpoint_ = [&](uint64_t size) {
    const LogReader r = storage_->Reader(nullptr);
    for (uint64_t e = 1;; ++e) {
      auto record = r.GetEpoch(e);
      if (!record.ok() || !record->has_value() || (*record)->tree_size > size) break;
      uint64_t first, count;
      updates_of(e, &first, &count);
      for (uint64_t k = 0; k < replica::PrivatePartCount(count); ++k) {
        EXPECT_EQ(private_store.objects().count(tiles::PrivateBundlePath(e, k)), 1u)
            << "checkpoint of size " << size << " before part " << k << " of epoch " << e;
      }
    }
  };
  // 300 updates (3 parts, accounts updated several times in one epoch), no
  // updates, 40 (versions > 1 of accounts made in epoch 1).
  {
    TilePublisher publisher(storage_.get(), &store, options);
    ASSERT_TRUE(publisher.Restore().ok());
    publisher.Start();
    for (int n : {300, 0, 40}) publisher.Publish(Epoch(n));
    WaitForCheckpoint(publisher, 3);
    EXPECT_EQ(publisher.status().private_parts_written, 4u);
    EXPECT_NE(publisher.Metrics().find("keytrail_log_private_bundle_parts_written_total 4\n"),
              std::string::npos);
    publisher.Stop(absl::Seconds(5));
  }
  EXPECT_EQ(private_store.objects().size(), 4u);
  for (const auto& [path, bytes] : store.objects()) {
    EXPECT_NE(tiles::ParseObjectPath(path)->type, ObjectType::kPrivateBundle) << path;
  }

  // Each epoch's parts open under the key for this log, epoch and part, and
  // check out against the public entries as a replica checks them.
  std::map<std::string, Hash> known;  // account -> index, epoch by epoch
  for (uint64_t e = 1; e <= 3; ++e) {
    uint64_t first, count;
    updates_of(e, &first, &count);
    std::vector<replica::PrivatePart> parts;
    for (uint64_t k = 0; k < replica::PrivatePartCount(count); ++k) {
      auto part =
          replica::OpenPrivatePart(*key, config_.origin, e, static_cast<uint32_t>(k),
                                   private_store.objects().at(tiles::PrivateBundlePath(e, k)));
      ASSERT_TRUE(part.ok()) << part.status();
      parts.push_back(*part);
    }
    auto entries = storage_->Reader(nullptr).GetEntries(first, count).value();
    auto checked = replica::CheckPrivateBundle(
        e, first, entries, parts, vrf_.public_key(),
        [&known](absl::string_view account) -> absl::StatusOr<std::optional<Hash>> {
          auto it = known.find(std::string(account));
          if (it == known.end()) return std::optional<Hash>();
          return std::optional<Hash>(it->second);
        });
    ASSERT_TRUE(checked.ok()) << "epoch " << e << ": " << checked.status();
    EXPECT_EQ(checked->size(), count);
    for (const replica::CheckedUpdate& u : *checked) known[u.update.account] = u.entry.index;
  }
  EXPECT_EQ(known.size(), accounts_.size());

  // A whole republication (an emptied public store) rewrites the same
  // sealed bytes: create-only Puts of identical bytes succeed.
  const auto before = private_store.objects();
  store.Wipe();
  {
    TilePublisher publisher(storage_.get(), &store, options);
    ASSERT_TRUE(publisher.Restore().ok());
    publisher.Start();
    publisher.Publish(builder_->published());
    WaitForCheckpoint(publisher, 3);
    EXPECT_FALSE(publisher.status().failing);
    EXPECT_EQ(publisher.status().private_parts_written, 4u);
    publisher.Stop(absl::Seconds(5));
  }
  EXPECT_EQ(private_store.objects(), before);
}

}  // namespace
}  // namespace keytrail
