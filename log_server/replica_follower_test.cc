// The replica's follower against stores written by the real primary code
// (EpochBuilder + TilePublisher with a replica key), with a fake sink
// (testing/fake_replica_sink.h: keeps the tree of what it was handed and
// each epoch with its note, returns a minimal PublishedState for an epoch
// handed with a checkpoint). The log is built once for the suite:
//   epoch 0 (genesis), 1 (300 updates: 3 parts)      -> checkpoint A
//   epochs 2 (none), 3 (40 updates), 4 (5 updates)   -> checkpoint B
//   epoch 5 (none)                                   -> checkpoint C
//   epoch 6 (200 updates)                            -> checkpoint D
// and each test follows copies of the stores as they were at A, B and C,
// some of them damaged on purpose.
#include "log_server/replica_follower.h"

#include <atomic>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "core/crypto/ecvrf.h"
#include "core/merkle/compact_range.h"
#include "core/merkle/hasher.h"
#include "core/note/checkpoint.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "core/protocol/entry.h"
#include "core/protocol/key_set.h"
#include "core/tiles/directory_store.h"
#include "core/tiles/tile_codec.h"
#include "core/tiles/tile_path.h"
#include "gtest/gtest.h"
#include "log_server/epoch_builder.h"
#include "log_server/log_storage.h"
#include "log_server/private_bundles.h"
#include "log_server/tile_publisher.h"
#include "testing/fake_replica_sink.h"
#include "testing/log_lines.h"
#include "testing/memory_tile_store.h"

namespace keytrail {
namespace {

using Objects = std::map<std::string, std::string>;
using test::FakeReplicaSink;
using test::MemoryTileStore;

constexpr char kOrigin[] = "example.org/replica-log";
constexpr uint64_t kStartMs = 1764300000000;
constexpr uint64_t kEpochMs = 60000;  // the builder's clock: one minute per epoch

// What the primary published, and what each epoch must look like.
struct Published {
  std::optional<note::Ed25519NoteSigner> signer;
  std::shared_ptr<const replica::ReplicaKey> key;
  Objects tiles[4];  // at checkpoints A, B, C, D
  Objects private_[4];
  uint64_t size[4] = {0, 0, 0, 0};
  uint64_t last_epoch[4] = {1, 4, 5, 6};
  struct Epoch {
    uint64_t first = 0;  // first log index
    std::vector<std::string> updates;
    std::string epoch_entry;
    uint64_t timestamp_ms = 0;
    std::vector<replica::PrivatePart> parts;
  };
  std::vector<Epoch> epochs;  // 0..6
};
Published* published = nullptr;

// Answers the object at `path` with one bit flipped from its `from`th Get
// on (a store whose object changes while it is being read).
class ChangingStore : public tiles::TileStore {
 public:
  ChangingStore(tiles::TileStore* inner, std::string path, int from)
      : inner_(inner), path_(std::move(path)), from_(from) {}
  absl::Status Put(absl::string_view path, absl::string_view bytes,
                   tiles::ObjectKind kind) override {
    return inner_->Put(path, bytes, kind);
  }
  absl::StatusOr<std::string> Get(absl::string_view path) override {
    auto got = inner_->Get(path);
    if (path == path_ && ++gets_ >= from_ && got.ok()) (*got)[5] ^= 1;
    return got;
  }
  std::string Describe() const override { return "changing store"; }

 private:
  tiles::TileStore* const inner_;
  const std::string path_;
  const int from_;
  std::atomic<int> gets_{0};
};

class ReplicaFollowerTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    published = new Published;
    Published& p = *published;
    p.signer = note::Ed25519NoteSigner::Generate(kOrigin).value();
    p.key = std::make_shared<const replica::ReplicaKey>(
        replica::ReplicaKey::FromBytes(std::string(32, 'r')).value());
    VrfPrivateKey vrf = VrfPrivateKey::Generate();
    LogConfig config;
    config.origin = kOrigin;
    config.note_verifier_key = p.signer->VerifierKey();
    config.vrf_public_key = vrf.public_key().bytes();
    std::vector<PreparedUpdate> accounts;
    for (int i = 0; i < 40; ++i) {
      PreparedUpdate u;
      u.account = "account-" + std::to_string(i);
      u.account_record.vrf_proof = vrf.Prove(u.account);
      u.account_record.index = VrfProofToHash(u.account_record.vrf_proof).value();
      KeySet ks;
      ks.devices.push_back(Device{"phone", "key"});
      u.key_set = EncodeKeySet(ks).value();
      accounts.push_back(u);
    }
    auto storage =
        LogStorage::Open(std::string(std::getenv("TEST_TMPDIR")) + "/primary", 1 << 20).value();
    uint64_t clock_ms = kStartMs;
    auto builder = EpochBuilder::Open(storage.get(), config, *p.signer, [&clock_ms] {
                     return clock_ms;
                   }).value();
    MemoryTileStore tiles, private_store;
    TilePublisherOptions options;
    options.private_store = &private_store;
    options.replica_key = p.key;
    options.origin = kOrigin;
    options.min_backoff = absl::Milliseconds(1);
    TilePublisher publisher(storage.get(), &tiles, options);
    ASSERT_TRUE(publisher.Restore().ok());
    publisher.Start();
    size_t next = 0;
    const std::vector<std::vector<int>> batches = {{300}, {0, 40, 5}, {0}, {200}};
    for (size_t c = 0; c < batches.size(); ++c) {
      for (int n : batches[c]) {
        clock_ms += kEpochMs;
        std::vector<PreparedUpdate> updates;
        for (int i = 0; i < n; ++i) updates.push_back(accounts[(next++) % accounts.size()]);
        auto built = builder->BuildEpoch(updates);
        ASSERT_TRUE(built.ok()) << built.status();
        publisher.Publish(built->published);
      }
      for (int i = 0; i < 5000 && publisher.status().checkpoint_epoch < p.last_epoch[c]; ++i) {
        absl::SleepFor(absl::Milliseconds(2));
      }
      ASSERT_EQ(publisher.status().checkpoint_epoch, p.last_epoch[c]);
      p.tiles[c] = tiles.objects();
      p.private_[c] = private_store.objects();
      p.size[c] = publisher.status().checkpoint_size;
    }
    publisher.Stop(absl::Seconds(5));
    const LogReader reader = storage->Reader(nullptr);
    uint64_t first = 0;
    for (uint64_t e = 0; e <= 6; ++e) {
      Published::Epoch epoch;
      epoch.first = first;
      const uint64_t end = reader.GetEpoch(e).value()->tree_size;
      auto entries = reader.GetEntries(first, end - first).value();
      epoch.epoch_entry = entries.back();
      entries.pop_back();
      epoch.updates = entries;
      epoch.timestamp_ms = DecodeEpochEntry(epoch.epoch_entry).value().timestamp_ms;
      epoch.parts = ReadPrivateParts(reader, e).value();
      p.epochs.push_back(epoch);
      first = end;
    }
    ASSERT_EQ(p.epochs[1].parts.size(), 3u);
    ASSERT_EQ(p.size[3], first);
    ASSERT_GT(p.size[3], 512u);  // bundle 1 is full at D
  }
  static void TearDownTestSuite() {
    delete published;
    published = nullptr;
  }

  void SetUp() override {
    tiles_ = std::make_unique<MemoryTileStore>(published->tiles[0]);
    private_ = std::make_unique<MemoryTileStore>(published->private_[0]);
  }

  // The stores as the primary left them at checkpoint `c` (0..2).
  void Advance(int c) {
    for (const auto& [path, bytes] : published->tiles[c]) tiles_->Set(path, bytes);
    for (const auto& [path, bytes] : published->private_[c]) private_->Set(path, bytes);
  }

  ReplicaFollowerOptions Options() {
    ReplicaFollowerOptions o;
    o.tiles = tiles_.get();
    o.private_store = private_.get();
    o.replica_key = published->key;
    o.origin = kOrigin;
    o.log_vkey = published->signer->VerifierKey();
    o.sink = &sink_;
    o.min_backoff = absl::Milliseconds(1);
    o.max_backoff = absl::Milliseconds(10);
    o.poll_interval = absl::Milliseconds(5);
    o.max_staleness = absl::Minutes(5);
    o.clock = [this] {
      absl::MutexLock lock(&mu_);
      return now_;
    };
    o.on_served = [this](const std::shared_ptr<const PublishedState>& s) {
      absl::MutexLock lock(&mu_);
      served_.push_back(s->log.epoch);
    };
    o.on_health = [this](bool healthy) {
      absl::MutexLock lock(&mu_);
      health_.push_back(healthy);
    };
    return o;
  }
  std::unique_ptr<ReplicaFollower> Follower(ReplicaFollowerOptions o) {
    auto f = ReplicaFollower::Create(std::move(o));
    EXPECT_TRUE(f.ok()) << f.status();
    return f.ok() ? *std::move(f) : nullptr;
  }
  void SetClock(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }
  // A second after epoch `e`'s timestamp.
  absl::Time Fresh(uint64_t e) {
    return absl::FromUnixMillis(published->epochs[e].timestamp_ms) + absl::Seconds(1);
  }

  // The sink holds exactly epochs 0..last, as the primary wrote them, each
  // with its checkpoint note when it ended one.
  // (last = -1: none.)
  void ExpectEpochs(int last) {
    const auto replayed = sink_.replayed();
    ASSERT_EQ(replayed.size(), static_cast<size_t>(last + 1));
    for (size_t e = 0; e < replayed.size(); ++e) {
      const Published::Epoch& want = published->epochs[e];
      const ReplicaEpoch& got = replayed[e].epoch;
      EXPECT_EQ(got.epoch, e);
      EXPECT_EQ(got.first_log_index, want.first) << e;
      EXPECT_EQ(got.update_entries, want.updates) << e;
      EXPECT_EQ(got.epoch_entry, want.epoch_entry) << e;
      ASSERT_EQ(got.parts.size(), want.parts.size()) << e;
      for (size_t k = 0; k < want.parts.size(); ++k) {
        EXPECT_EQ(got.parts[k].epoch, e);
        EXPECT_EQ(got.parts[k].part, k);
        EXPECT_EQ(got.parts[k].first_log_index, want.parts[k].first_log_index);
        EXPECT_EQ(got.parts[k].updates, want.parts[k].updates) << e << "/" << k;
      }
      std::optional<std::string> note;
      if (notes_.count(e) != 0) note = notes_.at(e);
      EXPECT_EQ(replayed[e].note, note) << e;
    }
  }

  // Runs `f` and returns what it wrote to stderr (the log lines).
  template <typename F>
  std::string Logged(F f) {
    testing::internal::CaptureStderr();
    f();
    return testing::internal::GetCapturedStderr();
  }

  // Checks a follower stopped by bad data: one ERROR naming `object`, the
  // sink holding epochs 0..last_good, and no retry after it.
  void ExpectStopped(ReplicaFollower& f, absl::StatusCode code, const std::string& object,
                     int last_good) {
    absl::Status first;
    const std::string log = Logged([&] { first = f.Step(); });
    EXPECT_EQ(first.code(), code) << first;
    EXPECT_NE(first.message().find(object), std::string::npos) << first;
    EXPECT_EQ(test::CountLinesContaining(log, " ERROR "), 1) << log;
    EXPECT_EQ(test::CountLinesContaining(log, object), 1) << log;
    ExpectEpochs(last_good);
    const uint64_t gets = tiles_->gets() + private_->gets();
    const std::string again =
        Logged([&] { EXPECT_EQ(f.Step().code(), absl::StatusCode::kFailedPrecondition); });
    EXPECT_EQ(again, "");
    EXPECT_EQ(tiles_->gets() + private_->gets(), gets);  // not even a fetch
    EXPECT_TRUE(f.status().stopped);
    EXPECT_FALSE(f.healthy());
    EXPECT_NE(f.Metrics().find("keytrail_replica_stopped 1\n"), std::string::npos);
    ExpectEpochs(last_good);
  }

  // The follower served checkpoint `c`: the epoch it ends came with its note.
  void Serves(int c) { notes_[published->last_epoch[c]] = published->tiles[c].at("checkpoint"); }

  std::unique_ptr<MemoryTileStore> tiles_, private_;
  FakeReplicaSink sink_;
  std::map<uint64_t, std::string> notes_;  // epoch -> the note it was handed with
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_) = absl::FromUnixMillis(kStartMs);
  std::vector<uint64_t> served_ ABSL_GUARDED_BY(mu_);
  std::vector<bool> health_ ABSL_GUARDED_BY(mu_);
};

TEST_F(ReplicaFollowerTest, HandsEveryEpochInOrderAndServesEachCheckpoint) {
  auto f = Follower(Options());
  ASSERT_NE(f, nullptr);
  SetClock(Fresh(1));
  std::string log = Logged([&] { ASSERT_TRUE(f->Step().ok()); });
  Serves(0);
  ExpectEpochs(1);
  EXPECT_EQ(test::CountLinesContaining(log, "serving checkpoint of size"), 1) << log;
  EXPECT_EQ(f->status().served_size, published->size[0]);
  EXPECT_EQ(f->status().served_epoch, 1u);
  EXPECT_TRUE(f->healthy());
  // Nothing new: nothing fetched but the checkpoint, nothing handed on.
  log = Logged([&] { ASSERT_TRUE(f->Step().ok()); });
  EXPECT_EQ(log, "");
  ExpectEpochs(1);

  Advance(1);  // three epochs (one empty) in one round, one checkpoint
  SetClock(Fresh(4));
  log = Logged([&] { ASSERT_TRUE(f->Step().ok()); });
  Serves(1);
  ExpectEpochs(4);
  EXPECT_EQ(test::CountLinesContaining(log, "serving checkpoint of size"), 1) << log;
  Advance(2);  // an empty epoch at the checkpoint
  ASSERT_TRUE(f->Step().ok());
  Serves(2);
  ExpectEpochs(5);
  const ReplicaFollowerStatus s = f->status();
  EXPECT_EQ(s.served_size, published->size[2]);
  EXPECT_EQ(s.store_size, published->size[2]);
  EXPECT_EQ(s.served_epoch, 5u);
  EXPECT_EQ(s.served_timestamp_ms, published->epochs[5].timestamp_ms);
  EXPECT_EQ(s.epochs_replayed, 6u);
  EXPECT_EQ(s.rounds, 4u);
  EXPECT_EQ(s.errors, 0u);
  const std::string metrics = f->Metrics();
  EXPECT_NE(metrics.find("keytrail_replica_served_size " + std::to_string(published->size[2])),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("keytrail_replica_lag_entries 0\n"), std::string::npos);
  // (The clock is at epoch 4: epoch 5 looks a minute young.)
  EXPECT_NE(metrics.find("keytrail_replica_healthy 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("keytrail_replica_served_age_seconds 0\n"), std::string::npos);
  absl::MutexLock lock(&mu_);
  EXPECT_EQ(served_, (std::vector<uint64_t>{1, 4, 5}));
}

TEST_F(ReplicaFollowerTest, WorkerThreadFollowsUntilStopped) {
  Advance(2);
  SetClock(Fresh(5));
  auto f = Follower(Options());
  ASSERT_NE(f, nullptr);
  f->Start();
  for (int i = 0; i < 4000 && f->status().served_epoch < 5; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  f->Stop();
  Serves(2);
  ExpectEpochs(5);
  EXPECT_TRUE(f->healthy());
  absl::MutexLock lock(&mu_);
  EXPECT_EQ(served_, (std::vector<uint64_t>{5}));
  EXPECT_EQ(health_, (std::vector<bool>{true}));
}

TEST_F(ReplicaFollowerTest, FollowsDirectoriesOpenedReadOnly) {
  // The primary's directories as a DirectoryTileStore writes them...
  const std::string root = std::string(std::getenv("TEST_TMPDIR")) + "/dirs";
  for (const auto& [dir, objects] :
       {std::make_pair(std::string("/tiles"), published->tiles[2]),
        std::make_pair(std::string("/private"), published->private_[2])}) {
    auto writer = tiles::DirectoryTileStore::Open(root + dir);
    ASSERT_TRUE(writer.ok()) << writer.status();
    for (const auto& [path, bytes] : objects) {
      const bool is_mutable = path == "checkpoint" || tiles::ParseObjectPath(path)->partial();
      ASSERT_TRUE(
          (*writer)
              ->Put(path, bytes,
                    is_mutable ? tiles::ObjectKind::kMutable : tiles::ObjectKind::kImmutable)
              .ok());
    }
  }
  // ...read by the replica without touching them.
  auto tiles = tiles::DirectoryTileStore::OpenReadOnly(root + "/tiles");
  auto private_dir = tiles::DirectoryTileStore::OpenReadOnly(root + "/private");
  ASSERT_TRUE(tiles.ok() && private_dir.ok());
  ReplicaFollowerOptions o = Options();
  o.tiles = tiles->get();
  o.private_store = private_dir->get();
  auto f = Follower(std::move(o));
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(f->Step().ok());
  Serves(2);
  ExpectEpochs(5);
}

TEST_F(ReplicaFollowerTest, TwoPassCatchUpWithATinyMemoryBound) {
  ReplicaFollowerOptions o = Options();
  o.max_entries_held = 10;  // every catch-up here is bigger
  o.parallel_fetches = 2;
  auto f = Follower(std::move(o));
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(f->Step().ok());
  Serves(0);
  ExpectEpochs(1);
  Advance(2);
  ASSERT_TRUE(f->Step().ok());
  Serves(2);
  ExpectEpochs(5);
}

TEST_F(ReplicaFollowerTest, TwoPassCatchUpRefusesABundleThatChanged) {
  const std::string path = tiles::EntryBundlePath(0, 256);
  ChangingStore changing(tiles_.get(), path, 2);  // right in pass 1, not in pass 2
  ReplicaFollowerOptions o = Options();
  o.tiles = &changing;
  o.max_entries_held = 10;
  auto f = Follower(std::move(o));
  ASSERT_NE(f, nullptr);
  ExpectStopped(*f, absl::StatusCode::kInvalidArgument, path + ": its entries changed", -1);
}

TEST_F(ReplicaFollowerTest, PartialBundleGoneMeansTheFullOne) {
  // The store as at D (bundle 1 full), whose checkpoint is still A's
  // (size 302: bundle 1 partial at width 46), without that partial bundle:
  // a lagging checkpoint, or a primary that dropped the partial.
  Advance(3);
  tiles_->Set("checkpoint", published->tiles[0].at("checkpoint"));
  const std::string partial = tiles::EntryBundlePath(1, published->size[0] % 256);
  ASSERT_EQ(tiles_->objects().count(tiles::EntryBundlePath(1, 256)), 1u);
  tiles_->Erase(partial);
  auto f = Follower(Options());
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(f->Step().ok());
  Serves(0);
  ExpectEpochs(1);
  // The one at D, from there: the full bundle 1, then bundle 2's partial.
  tiles_->Set("checkpoint", published->tiles[3].at("checkpoint"));
  ASSERT_TRUE(f->Step().ok());
  Serves(3);
  ExpectEpochs(6);
}

TEST_F(ReplicaFollowerTest, CosignedCheckpointsAreChecked) {
  auto monitor = note::CosignatureSigner::Generate("monitor.example").value();
  ReplicaFollowerOptions o = Options();
  o.cosigner_vkeys = {monitor.VerifierKey()};
  o.required_cosignatures = 1;
  auto f = Follower(std::move(o));
  ASSERT_NE(f, nullptr);
  // The primary's cosigned note (tile_publisher.h): its line and the monitor's.
  auto note = note::ParseNote(published->tiles[0].at("checkpoint")).value();
  note.signatures.push_back(monitor.SignAsNoteSignature(note.text, 1764300000));
  tiles_->Set("checkpoint", note::FormatNote(note));
  ASSERT_TRUE(f->Step().ok());
  notes_[1] = note::FormatNote(note);
  ExpectEpochs(1);
  // The next checkpoint as the log signed it, without the cosignature.
  Advance(1);
  ExpectStopped(*f, absl::StatusCode::kInvalidArgument, "cosignatures", 1);
}

TEST_F(ReplicaFollowerTest, FlippedPrivatePartStopsAtTheLastGoodEpoch) {
  auto f = Follower(Options());
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(f->Step().ok());
  Serves(0);
  Advance(1);
  private_->Flip(tiles::PrivateBundlePath(3, 0), 40);
  // Epoch 2 (no parts) reaches the sink; epoch 3 does not.
  ExpectStopped(*f, absl::StatusCode::kInvalidArgument, tiles::PrivateBundlePath(3, 0), 2);
  EXPECT_EQ(f->status().served_epoch, 1u);  // still serving checkpoint A
}

TEST_F(ReplicaFollowerTest, FlippedEntryBundleIsARootMismatch) {
  auto f = Follower(Options());
  ASSERT_NE(f, nullptr);
  tiles_->Flip(tiles::EntryBundlePath(0, 256), 5);  // inside entry 0's bytes
  ExpectStopped(*f, absl::StatusCode::kInvalidArgument, "root", -1);
  EXPECT_TRUE(sink_.replayed().empty());
}

TEST_F(ReplicaFollowerTest, UnparsableBundleStops) {
  auto f = Follower(Options());
  ASSERT_NE(f, nullptr);
  tiles_->Set(tiles::EntryBundlePath(0, 256), "not a bundle");
  ExpectStopped(*f, absl::StatusCode::kInvalidArgument, tiles::EntryBundlePath(0, 256), -1);
}

TEST_F(ReplicaFollowerTest, CheckpointInsideAnEpochStops) {
  // The log signs the tree of epoch 0 and epoch 1's updates without its
  // epoch entry: the entries check, but no epoch ends at the checkpoint.
  const Published::Epoch& e1 = published->epochs[1];
  merkle::CompactRange range;
  range.Append(merkle::HashLeaf(published->epochs[0].epoch_entry));
  for (const std::string& u : e1.updates) range.Append(merkle::HashLeaf(u));
  note::Checkpoint cp;
  cp.origin = kOrigin;
  cp.size = range.size();
  cp.root = range.Root();
  const note::NoteSigner* signers[] = {&*published->signer};
  tiles_->Set("checkpoint", note::SignNote(note::FormatCheckpoint(cp), signers).value());
  // Its partial bundle: entries 256..300 (epoch 1's updates 255..299).
  const std::vector<std::string> tail(e1.updates.begin() + 255, e1.updates.end());
  ASSERT_EQ(tail.size(), 45u);
  tiles_->Set(tiles::EntryBundlePath(1, 45), tiles::EncodeEntryBundle(tail).value());
  auto f = Follower(Options());
  ASSERT_NE(f, nullptr);
  ExpectStopped(*f, absl::StatusCode::kInvalidArgument, "not an epoch entry", 0);
}

TEST_F(ReplicaFollowerTest, CheckpointSignedByAnotherKeyStops) {
  auto f = Follower(Options());
  ASSERT_NE(f, nullptr);
  auto other = note::Ed25519NoteSigner::Generate(kOrigin).value();
  const std::string text = note::ParseNote(published->tiles[0].at("checkpoint")).value().text;
  const note::NoteSigner* signers[] = {&other};
  tiles_->Set("checkpoint", note::SignNote(text, signers).value());
  ExpectStopped(*f, absl::StatusCode::kInvalidArgument, "checkpoint", -1);
  EXPECT_TRUE(sink_.replayed().empty());
}

TEST_F(ReplicaFollowerTest, RollbackAndForkStop) {
  {
    Advance(1);
    auto f = Follower(Options());
    ASSERT_NE(f, nullptr);
    ASSERT_TRUE(f->Step().ok());
    Serves(1);
    ExpectEpochs(4);
    // The store goes back to checkpoint A.
    tiles_->Set("checkpoint", published->tiles[0].at("checkpoint"));
    ExpectStopped(*f, absl::StatusCode::kInvalidArgument, "rollback", 4);
  }
  {
    // The log signs another root at the size the replica holds.
    auto f = Follower(Options());
    ASSERT_NE(f, nullptr);
    note::Checkpoint cp;
    cp.origin = kOrigin;
    cp.size = published->size[1];
    cp.root.fill(7);
    const note::NoteSigner* signers[] = {&*published->signer};
    tiles_->Set("checkpoint", note::SignNote(note::FormatCheckpoint(cp), signers).value());
    ExpectStopped(*f, absl::StatusCode::kInvalidArgument, "fork", 4);
  }
}

TEST_F(ReplicaFollowerTest, MissingPartIsRetriedUntilItAppears) {
  auto f = Follower(Options());
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(f->Step().ok());
  Serves(0);
  Advance(1);
  const std::string path = tiles::PrivateBundlePath(3, 0);
  const std::string part = published->private_[1].at(path);
  private_->Erase(path);
  std::string log = Logged([&] {
    for (int i = 0; i < 3; ++i) EXPECT_EQ(f->Step().code(), absl::StatusCode::kNotFound);
  });
  EXPECT_EQ(test::CountLinesContaining(log, " WARNING "), 1) << log;  // once per episode
  EXPECT_EQ(test::CountLinesContaining(log, path), 1) << log;
  EXPECT_EQ(test::CountLinesContaining(log, " ERROR "), 0) << log;
  EXPECT_FALSE(f->status().stopped);
  EXPECT_TRUE(f->status().failing);
  EXPECT_EQ(f->status().served_epoch, 1u);
  Serves(0);
  ExpectEpochs(2);
  private_->Set(path, part);
  log = Logged([&] { ASSERT_TRUE(f->Step().ok()); });
  EXPECT_EQ(test::CountLinesContaining(log, "works again"), 1) << log;
  Serves(1);
  ExpectEpochs(4);
  EXPECT_EQ(f->status().errors, 3u);
}

TEST_F(ReplicaFollowerTest, FailingStoreKeepsServingAndHealthFollowsStaleness) {
  auto f = Follower(Options());
  ASSERT_NE(f, nullptr);
  SetClock(Fresh(1));
  ASSERT_TRUE(f->Step().ok());
  Serves(0);
  EXPECT_TRUE(f->healthy());
  tiles_->FailGets(absl::UnavailableError("store down"));
  Advance(2);
  EXPECT_EQ(f->Step().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(f->healthy());  // what it serves is fresh enough
  SetClock(Fresh(1) + absl::Minutes(6));
  EXPECT_EQ(f->Step().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(f->healthy());  // too old now
  EXPECT_NE(f->Metrics().find("keytrail_replica_failing 1\n"), std::string::npos);
  EXPECT_EQ(f->status().served_epoch, 1u);
  tiles_->FailGets(absl::OkStatus());
  SetClock(Fresh(5));
  ASSERT_TRUE(f->Step().ok());
  Serves(2);
  ExpectEpochs(5);
  EXPECT_TRUE(f->healthy());
  absl::MutexLock lock(&mu_);
  EXPECT_EQ(health_, (std::vector<bool>{true, false, true}));
}

TEST_F(ReplicaFollowerTest, SinkRefusalStopsAndSinkOutageIsRetried) {
  auto f = Follower(Options());
  ASSERT_NE(f, nullptr);
  sink_.FailNextReplays(1, absl::UnavailableError("disk busy"));
  EXPECT_EQ(f->Step().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(sink_.replayed().empty());
  ASSERT_TRUE(f->Step().ok());
  Serves(0);
  ExpectEpochs(1);
  Advance(1);
  sink_.RejectEpoch(3);
  ExpectStopped(*f, absl::StatusCode::kInvalidArgument, "epoch 3", 2);
}

TEST_F(ReplicaFollowerTest, CreateRefusesMissingPieces) {
  ReplicaFollowerOptions o = Options();
  o.sink = nullptr;
  EXPECT_EQ(ReplicaFollower::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
  o = Options();
  o.log_vkey = "not a key";
  EXPECT_EQ(ReplicaFollower::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
  o = Options();
  o.required_cosignatures = 1;  // with no cosigner keys
  EXPECT_EQ(ReplicaFollower::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keytrail
