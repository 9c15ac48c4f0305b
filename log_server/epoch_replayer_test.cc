#include "log_server/epoch_replayer.h"

#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/crypto/ecvrf.h"
#include "core/note/checkpoint.h"
#include "core/note/ed25519_note.h"
#include "core/note/note.h"
#include "core/protocol/commitment.h"
#include "core/protocol/entry.h"
#include "core/protocol/key_set.h"
#include "gtest/gtest.h"
#include "log_server/epoch_builder.h"
#include "log_server/log_queries.h"
#include "log_server/log_storage.h"
#include "log_server/private_bundles.h"
#include "log_server/records.h"
#include "proto/keytrail.pb.h"
#include "rocksdb/db.h"

namespace keytrail {
namespace test {
namespace {

// Every record of every column family of the RocksDB database in `dir`
// (closed), by family name then key: what "the same database" means here.
using Dump = std::map<std::string, std::map<std::string, std::string>>;
Dump DumpDatabase(const std::string& dir) {
  Dump dump;
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, families, &handles, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return dump;
  for (size_t f = 0; f < handles.size(); ++f) {
    auto& records = dump[names[f]];
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[f]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      records[it->key().ToString()] = it->value().ToString();
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
  return dump;
}

// The two dumps hold the same records in every family, naming the first
// difference of each.
void ExpectSameRecords(const Dump& want, const Dump& got) {
  std::set<std::string> families;
  for (const auto& [name, records] : want) families.insert(name);
  for (const auto& [name, records] : got) families.insert(name);
  for (const std::string& family : families) {
    SCOPED_TRACE(family);
    const auto w = want.find(family);
    const auto g = got.find(family);
    ASSERT_NE(w, want.end());
    ASSERT_NE(g, got.end());
    EXPECT_EQ(w->second.size(), g->second.size());
    for (const auto& [key, value] : w->second) {
      auto it = g->second.find(key);
      if (it == g->second.end()) {
        ADD_FAILURE() << "key " << absl::BytesToHexString(key) << " missing";
        return;
      }
      if (it->second != value) {
        ADD_FAILURE() << "key " << absl::BytesToHexString(key) << " differs";
        return;
      }
    }
  }
}

std::string KeySetWithDevice(const std::string& device) {
  KeySet ks;
  if (!device.empty()) ks.devices.push_back(Device{device, "key of " + device});
  return EncodeKeySet(ks).value();
}

// Epochs of the primary's history that a checkpoint ends at; the others
// are replayed without one, as a follower does for the epochs a checkpoint
// covers but does not end at.
const std::set<uint64_t> kCheckpointed = {0, 2, 3, 5};
constexpr uint64_t kEpochs = 6;

class EpochReplayerTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("TEST_TMPDIR");
    const std::string dir = std::string(base ? base : "/tmp") + "/" +
                            testing::UnitTest::GetInstance()->current_test_info()->name();
    primary_dir_ = dir + "-primary";
    replica_dir_ = dir + "-replica";
    signer_ = note::Ed25519NoteSigner::Generate("example.org/test-log").value();
    config_.origin = signer_->name();
    config_.note_verifier_key = signer_->VerifierKey();
    config_.vrf_public_key = vrf_.public_key().bytes();
    auto storage = LogStorage::Open(primary_dir_, 1 << 20);
    ASSERT_TRUE(storage.ok()) << storage.status();
    primary_ = *std::move(storage);
    auto builder =
        EpochBuilder::Open(primary_.get(), config_, *signer_, [this] { return now_ms_; });
    ASSERT_TRUE(builder.ok()) << builder.status();
    builder_ = *std::move(builder);
    OpenReplica();
  }

  void OpenReplica() {
    replayer_.reset();
    replica_.reset();
    auto storage = LogStorage::Open(replica_dir_, 1 << 20);
    ASSERT_TRUE(storage.ok()) << storage.status();
    replica_ = *std::move(storage);
    auto replayer = EpochReplayer::Open(replica_.get(), config_);
    ASSERT_TRUE(replayer.ok()) << replayer.status();
    replayer_ = *std::move(replayer);
  }

  PreparedUpdate Update(const std::string& account, const std::string& device) {
    PreparedUpdate u;
    u.account = account;
    u.account_record.vrf_proof = vrf_.Prove(account);
    u.account_record.index = VrfProofToHash(u.account_record.vrf_proof).value();
    u.key_set = KeySetWithDevice(device);
    return u;
  }

  void Build(const std::vector<PreparedUpdate>& updates) {
    now_ms_ += 1000;
    auto result = builder_->BuildEpoch(updates);
    ASSERT_TRUE(result.ok()) << result.status();
  }

  // Epochs 1..5 on top of genesis: new accounts, later versions of accounts
  // from earlier epochs and of the same epoch, a deactivation, an empty
  // epoch, and an epoch of two parts.
  void BuildHistory() {
    Build({Update("alice", "phone"), Update("bob", "laptop"), Update("alice", "tablet")});
    Build({Update("alice", "watch"), Update("carol", "phone"), Update("bob", "")});
    Build({});
    std::vector<PreparedUpdate> many;
    for (int i = 0; i < 130; ++i) many.push_back(Update(absl::StrCat("user", i), "phone"));
    many.push_back(Update("carol", "laptop"));
    Build(many);
    Build({Update("dave", "phone"), Update("user5", "tablet")});
    ASSERT_EQ(builder_->published()->log.epoch, kEpochs - 1);
  }

  // Epoch `e` as the primary published it: entries and private parts.
  ReplicaEpoch Published(uint64_t e) {
    const LogReader reader = primary_->Reader(nullptr);
    const uint64_t first = e == 0 ? 0 : reader.GetEpoch(e - 1).value()->tree_size;
    const uint64_t end = reader.GetEpoch(e).value()->tree_size;
    std::vector<std::string> entries = reader.GetEntries(first, end - first).value();
    ReplicaEpoch out;
    out.epoch = e;
    out.first_log_index = first;
    out.epoch_entry = entries.back();
    entries.pop_back();
    out.update_entries = std::move(entries);
    auto parts = ReadPrivateParts(reader, e);
    EXPECT_TRUE(parts.ok()) << parts.status();
    if (parts.ok()) out.parts = *std::move(parts);
    return out;
  }
  std::string PrimaryCheckpoint(uint64_t e) {
    return primary_->Reader(nullptr).GetEpoch(e).value()->checkpoint;
  }

  absl::StatusOr<std::shared_ptr<const PublishedState>> ReplayFromPrimary(uint64_t e) {
    const std::string note = PrimaryCheckpoint(e);
    return replayer_->Replay(Published(e), kCheckpointed.count(e) ? &note : nullptr);
  }
  void ReplayRange(uint64_t first, uint64_t end) {
    for (uint64_t e = first; e < end; ++e) {
      SCOPED_TRACE(absl::StrCat("epoch ", e));
      auto served = ReplayFromPrimary(e);
      ASSERT_TRUE(served.ok()) << served.status();
      if (kCheckpointed.count(e)) {
        ASSERT_NE(*served, nullptr);
        EXPECT_EQ((*served)->log.epoch, e);
        EXPECT_EQ((*served)->checkpoint, PrimaryCheckpoint(e));
        EXPECT_EQ(replayer_->served(), *served);
      } else {
        EXPECT_EQ(*served, nullptr);
      }
    }
  }

  // The checkpoint note of epoch `e` with `change` applied, signed again by
  // the log (a log that signed something else).
  std::string ResignedCheckpoint(uint64_t e, const std::function<void(note::Checkpoint&)>& change) {
    auto parsed = note::ParseNote(PrimaryCheckpoint(e));
    EXPECT_TRUE(parsed.ok());
    note::Checkpoint cp = note::ParseCheckpoint(parsed->text).value();
    change(cp);
    const note::NoteSigner* signers[] = {&*signer_};
    return note::SignNote(note::FormatCheckpoint(cp), signers).value();
  }

  // Closes everything and compares the two databases record by record:
  // only the replica marker, and the checkpoints of the epochs replayed
  // without one, may differ.
  void ExpectSameDatabases() {
    replayer_.reset();
    replica_.reset();
    builder_.reset();
    primary_.reset();
    Dump primary = DumpDatabase(primary_dir_);
    Dump replica = DumpDatabase(replica_dir_);
    EXPECT_EQ(replica["meta"]["replica"], "\x01");
    replica["meta"].erase("replica");
    EXPECT_EQ(primary["meta"].count("tiles_published"), 0u);  // no publisher here
    EXPECT_EQ(primary["epochs"].size(), kEpochs);
    for (uint64_t e = 0; e < kEpochs; ++e) {
      if (kCheckpointed.count(e)) continue;
      const std::string key = U64Key(e);
      auto want = DecodeEpochRecord(primary["epochs"][key]);
      auto got = DecodeEpochRecord(replica["epochs"][key]);
      ASSERT_TRUE(want.ok()) << want.status();
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(got->tree_size, want->tree_size);
      EXPECT_EQ(got->checkpoint, "");
      primary["epochs"].erase(key);
      replica["epochs"].erase(key);
    }
    EXPECT_EQ(primary["accounts"].size(), 134u);
    EXPECT_EQ(primary["versions"].size(), 139u);
    ExpectSameRecords(primary, replica);
  }

  VrfPrivateKey vrf_ = VrfPrivateKey::Generate();
  std::optional<note::Ed25519NoteSigner> signer_;
  LogConfig config_;
  std::string primary_dir_, replica_dir_;
  uint64_t now_ms_ = 1764300000000;
  std::unique_ptr<LogStorage> primary_;
  std::unique_ptr<EpochBuilder> builder_;
  std::unique_ptr<LogStorage> replica_;
  std::unique_ptr<EpochReplayer> replayer_;
};

std::string LookupAnswer(const LogQueries& queries, const std::string& account, uint64_t size) {
  v1::LookupRequest request;
  request.set_account(account);
  request.set_last_verified_size(size);
  v1::LookupResponse response;
  absl::Status s = queries.Lookup(request, &response);
  return absl::StrCat(s.ToString(), "|", response.SerializeAsString());
}

std::string HistoryAnswer(const LogQueries& queries, const std::string& account, uint64_t size) {
  v1::HistoryRequest request;
  request.set_account(account);
  request.set_since_version(1);
  request.set_last_verified_size(size);
  v1::HistoryResponse response;
  absl::Status s = queries.History(request, &response);
  return absl::StrCat(s.ToString(), "|", response.SerializeAsString());
}

TEST_F(EpochReplayerTest, ReplaysThePrimarysEpochsIntoTheSameDatabase) {
  EXPECT_EQ(replayer_->next_epoch(), 0u);
  EXPECT_EQ(replayer_->tree_size(), 0u);
  EXPECT_TRUE(replayer_->frontier().empty());
  EXPECT_EQ(replayer_->served(), nullptr);
  BuildHistory();
  ASSERT_EQ(Published(4).parts.size(), 2u);
  ReplayRange(0, kEpochs);
  const PublishedState& primary_state = *builder_->published();
  EXPECT_EQ(replayer_->next_epoch(), kEpochs);
  EXPECT_EQ(replayer_->tree_size(), primary_state.log.tree_size);
  EXPECT_EQ(replayer_->frontier(), primary_state.log.frontier);
  {
    StateHolder primary_holder, replica_holder;
    primary_holder.Set(builder_->published());
    replica_holder.Set(replayer_->served());
    LogQueries primary(*primary_, primary_holder, vrf_, {});
    LogQueries replica(*replica_, replica_holder, vrf_, {});
    const uint64_t after_epoch_1 = primary_->Reader(nullptr).GetEpoch(1).value()->tree_size;
    for (const std::string account :
         {"alice", "bob", "carol", "dave", "user0", "user5", "user129", "nobody"}) {
      for (uint64_t size : {uint64_t{0}, after_epoch_1}) {
        SCOPED_TRACE(absl::StrCat(account, " from ", size));
        const std::string want = LookupAnswer(primary, account, size);
        EXPECT_EQ(want.rfind("OK|", 0), 0u) << want.substr(0, 80);
        EXPECT_EQ(LookupAnswer(replica, account, size), want);
        EXPECT_EQ(HistoryAnswer(replica, account, size), HistoryAnswer(primary, account, size));
      }
    }
  }
  ExpectSameDatabases();
}

TEST_F(EpochReplayerTest, RejectsEachForgeryAndStoresNothing) {
  BuildHistory();
  ReplayRange(0, 2);
  // Epoch 2: alice v3 (log index 5; her index known from epoch 1), carol v1
  // (6, with her VRF proof), bob v2 (7, a deactivation), epoch entry (8).
  const uint64_t previous_timestamp =
      DecodeEpochEntry(Published(1).epoch_entry).value().timestamp_ms;
  struct Forgery {
    std::string name;
    std::function<void(ReplicaEpoch&, std::string& note)> apply;
    absl::StatusCode code;
    std::string message;  // a part of the error message
  };
  auto flip_last = [](std::string& s) { s.back() ^= 1; };
  auto epoch_entry = [](ReplicaEpoch& e, const std::function<void(EpochEntry&)>& change) {
    EpochEntry entry = DecodeEpochEntry(e.epoch_entry).value();
    change(entry);
    e.epoch_entry = EncodeEntry(entry);
  };
  const std::vector<Forgery> forgeries = {
      {"flipped opening",
       [&](ReplicaEpoch& e, std::string&) { flip_last(e.parts[0].updates[0].opening); },
       absl::StatusCode::kInvalidArgument, "entry 5"},
      {"flipped key set",
       [&](ReplicaEpoch& e, std::string&) { flip_last(e.parts[0].updates[0].key_set); },
       absl::StatusCode::kInvalidArgument, "entry 5"},
      {"flipped VRF proof",
       [&](ReplicaEpoch& e, std::string&) { (*e.parts[0].updates[1].vrf_proof)[40] ^= 1; },
       absl::StatusCode::kInvalidArgument, "entry 6"},
      {"update entry with another commitment",
       [&](ReplicaEpoch& e, std::string&) { flip_last(e.update_entries[1]); },
       absl::StatusCode::kInvalidArgument, "entry 6"},
      // What only the replica's own state shows: bob is at version 1, and a
      // log that signs his next update as version 3 (with a commitment that
      // matches) is caught by the rebuild.
      {"wrong version",
       [&](ReplicaEpoch& e, std::string&) {
         UpdateEntry entry = DecodeUpdateEntry(e.update_entries[2]).value();
         const replica::PrivateUpdate& u = e.parts[0].updates[2];
         entry.version = 3;
         entry.commitment = CommitKeySet(u.opening, u.account, 3, u.key_set).value();
         e.update_entries[2] = EncodeEntry(entry);
       },
       absl::StatusCode::kInvalidArgument, "log index 7 is version 3"},
      {"epoch entry with another map root",
       [&](ReplicaEpoch& e, std::string&) {
         epoch_entry(e, [](EpochEntry& x) { x.map_root[0] ^= 1; });
       },
       absl::StatusCode::kInvalidArgument, "map root"},
      {"epoch entry earlier than the last",
       [&](ReplicaEpoch& e, std::string&) {
         epoch_entry(e, [&](EpochEntry& x) { x.timestamp_ms = previous_timestamp - 1; });
       },
       absl::StatusCode::kInvalidArgument, "before the previous epoch's"},
      {"epoch entry with another update count",
       [&](ReplicaEpoch& e, std::string&) {
         epoch_entry(e, [](EpochEntry& x) { x.update_count = 2; });
       },
       absl::StatusCode::kInvalidArgument, "counts 2 updates, but 3"},
      {"epoch entry of another epoch",
       [&](ReplicaEpoch& e, std::string&) { epoch_entry(e, [](EpochEntry& x) { x.epoch = 3; }); },
       absl::StatusCode::kInvalidArgument, "names epoch 3"},
      {"wrong first log index", [&](ReplicaEpoch& e, std::string&) { e.first_log_index = 6; },
       absl::StatusCode::kInvalidArgument, "first log index 6"},
      {"checkpoint of another size",
       [&](ReplicaEpoch&, std::string& note) {
         note = ResignedCheckpoint(2, [](note::Checkpoint& c) { c.size += 1; });
       },
       absl::StatusCode::kInvalidArgument, "checkpoint has size 10"},
      {"checkpoint of another root",
       [&](ReplicaEpoch&, std::string& note) {
         note = ResignedCheckpoint(2, [](note::Checkpoint& c) { c.root[0] ^= 1; });
       },
       absl::StatusCode::kInvalidArgument, "checkpoint has root"},
      {"epoch out of order", [&](ReplicaEpoch& e, std::string&) { e = Published(3); },
       absl::StatusCode::kFailedPrecondition, "expects epoch 2"},
  };
  const uint64_t tree_size = replayer_->tree_size();
  ASSERT_EQ(tree_size, 5u);
  for (const Forgery& f : forgeries) {
    SCOPED_TRACE(f.name);
    ReplicaEpoch epoch = Published(2);
    std::string note = PrimaryCheckpoint(2);
    f.apply(epoch, note);
    auto result = replayer_->Replay(epoch, &note);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), f.code) << result.status();
    EXPECT_NE(result.status().message().find("epoch 2"), absl::string_view::npos)
        << result.status();
    EXPECT_NE(result.status().message().find(f.message), absl::string_view::npos)
        << result.status();
    EXPECT_EQ(replayer_->next_epoch(), 2u);
    EXPECT_EQ(replayer_->tree_size(), tree_size);
    EXPECT_EQ(replayer_->served()->log.epoch, 0u);
  }
  // Nothing of the forgeries stayed behind: the real epochs replay, and the
  // databases end up identical.
  ReplayRange(2, kEpochs);
  ExpectSameDatabases();
}

TEST_F(EpochReplayerTest, ServesOnlyEpochsWithACheckpointAcrossRestarts) {
  BuildHistory();
  ReplayRange(0, 1);
  OpenReplica();  // last committed epoch has a checkpoint: served at once
  ASSERT_NE(replayer_->served(), nullptr);
  EXPECT_EQ(replayer_->served()->log.epoch, 0u);
  ReplayRange(1, 5);  // epoch 4 has none
  EXPECT_EQ(replayer_->served()->log.epoch, 3u);
  OpenReplica();  // killed between the epochs of one checkpoint
  EXPECT_EQ(replayer_->served(), nullptr);
  EXPECT_EQ(replayer_->next_epoch(), 5u);
  const LogReader primary = primary_->Reader(nullptr);
  EXPECT_EQ(replayer_->tree_size(), primary.GetEpoch(4).value()->tree_size);
  ReplayRange(5, kEpochs);
  ASSERT_NE(replayer_->served(), nullptr);
  EXPECT_EQ(replayer_->served()->log.epoch, 5u);
  ExpectSameDatabases();
}

TEST_F(EpochReplayerTest, PrimaryAndReplicaRefuseEachOthersDirectories) {
  auto on_primary = EpochReplayer::Open(primary_.get(), config_);
  ASSERT_FALSE(on_primary.ok());
  EXPECT_EQ(on_primary.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(on_primary.status().message().find("primary"), absl::string_view::npos)
      << on_primary.status();

  ReplayRange(0, 1);
  auto on_replica = EpochBuilder::Open(replica_.get(), config_, *signer_, [] { return 1u; });
  ASSERT_FALSE(on_replica.ok());
  EXPECT_EQ(on_replica.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(on_replica.status().message().find("read replica"), absl::string_view::npos)
      << on_replica.status();

  LogConfig other = config_;
  other.origin = "example.org/another-log";
  replayer_.reset();
  auto of_another_log = EpochReplayer::Open(replica_.get(), other);
  ASSERT_FALSE(of_another_log.ok());
  EXPECT_EQ(of_another_log.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(of_another_log.status().message().find("example.org/another-log"),
            absl::string_view::npos)
      << of_another_log.status();
}

}  // namespace
}  // namespace test
}  // namespace keytrail
