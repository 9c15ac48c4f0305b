#include "log_server/sequencer.h"

#include <cstdlib>
#include <string>

#include "absl/synchronization/notification.h"
#include "core/crypto/ecvrf.h"
#include "core/note/ed25519_note.h"
#include "core/protocol/key_set.h"
#include "gtest/gtest.h"
#include "log_server/log_storage.h"
#include "testing/full_disk.h"

namespace keytrail {
namespace {

class SequencerTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("TEST_TMPDIR");
    path_ = std::string(base ? base : "/tmp") + "/" +
            testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_NO_FATAL_FAILURE(OpenLog());
  }

  // Opens (or reopens) the storage and the builder: all of the log's state
  // the builder holds comes from what is on disk.
  void OpenLog() {
    published_.Set(nullptr);  // its snapshot goes with the storage
    builder_.reset();
    storage_.reset();
    auto storage = LogStorage::Open(path_, 1 << 20, disk_.env());
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = *std::move(storage);
    LogConfig config{signer_.name(), signer_.VerifierKey(), vrf_.public_key().bytes()};
    auto builder = EpochBuilder::Open(storage_.get(), config, signer_, [] {
      return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
    });
    ASSERT_TRUE(builder.ok()) << builder.status();
    builder_ = *std::move(builder);
  }

  PreparedUpdate Update(const std::string& account) {
    PreparedUpdate u;
    u.account = account;
    u.account_record.vrf_proof = vrf_.Prove(account);
    u.account_record.index = VrfProofToHash(u.account_record.vrf_proof).value();
    KeySet ks;
    ks.devices.push_back(Device{"d", "k"});
    u.key_set = EncodeKeySet(ks).value();
    return u;
  }

  VrfPrivateKey vrf_ = VrfPrivateKey::Generate();
  note::Ed25519NoteSigner signer_ = note::Ed25519NoteSigner::Generate("example.org/seq").value();
  std::string path_;
  keytrail::test::FullDisk disk_;  // outlives the storage
  std::unique_ptr<LogStorage> storage_;
  std::unique_ptr<EpochBuilder> builder_;
  StateHolder published_;
};

TEST_F(SequencerTest, CallbacksRunAfterTheEpochIsPublished) {
  SequencerOptions o;
  o.epoch_interval = absl::Milliseconds(20);
  Sequencer seq(std::move(builder_), o, &published_);
  seq.Start();
  constexpr int kUpdates = 50;
  std::vector<absl::Notification> done(kUpdates);
  std::vector<absl::StatusOr<UpdateOutcome>> outcomes(kUpdates, absl::UnknownError(""));
  for (int i = 0; i < kUpdates; ++i) {
    seq.Submit(Update("user" + std::to_string(i % 10)), [&, i](absl::StatusOr<UpdateOutcome> o) {
      outcomes[i] = o;
      // Acknowledged means published: the state readers see
      // already covers this update's epoch.
      EXPECT_GE(published_.Get()->log.epoch, o.ok() ? o->epoch : 0);
      done[i].Notify();
    });
  }
  for (auto& n : done) ASSERT_TRUE(n.WaitForNotificationWithTimeout(absl::Seconds(30)));
  std::map<std::string, uint64_t> last_version;
  for (int i = 0; i < kUpdates; ++i) {
    ASSERT_TRUE(outcomes[i].ok()) << outcomes[i].status();
    std::string account = "user" + std::to_string(i % 10);
    // Versions of one account grow by one in submission order.
    EXPECT_EQ(outcomes[i]->version, last_version[account] + 1);
    last_version[account] = outcomes[i]->version;
  }
  EXPECT_GE(seq.epochs_built(), 1u);
}

TEST_F(SequencerTest, BuildsEmptyEpochsWhenIdle) {
  SequencerOptions o;
  o.max_epoch_age = absl::Milliseconds(30);
  Sequencer seq(std::move(builder_), o, &published_);
  seq.Start();
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_GE(published_.Get()->log.epoch, 2u);
}

TEST_F(SequencerTest, FullQueueAndStoppedSequencerRefuse) {
  SequencerOptions o;
  o.max_queued_updates = 1;
  o.epoch_interval = absl::Hours(1);
  o.max_epoch_age = absl::Hours(1);
  Sequencer seq(std::move(builder_), o, &published_);
  // Not started: the first update waits in the queue, the second doesn't fit.
  absl::Status first, second;
  seq.Submit(Update("a"), [&](absl::StatusOr<UpdateOutcome> r) { first = r.status(); });
  seq.Submit(Update("b"), [&](absl::StatusOr<UpdateOutcome> r) { second = r.status(); });
  EXPECT_EQ(second.code(), absl::StatusCode::kResourceExhausted);
  seq.Stop();
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable);
  absl::Status third;
  seq.Submit(Update("c"), [&](absl::StatusOr<UpdateOutcome> r) { third = r.status(); });
  EXPECT_EQ(third.code(), absl::StatusCode::kUnavailable);
}

TEST_F(SequencerTest, StopCommitsWhatIsQueued) {
  SequencerOptions o;
  o.epoch_interval = absl::Hours(1);
  o.max_epoch_age = absl::Hours(1);
  Sequencer seq(std::move(builder_), o, &published_);
  seq.Start();
  absl::StatusOr<UpdateOutcome> outcome = absl::UnknownError("not called");
  seq.Submit(Update("a"), [&](absl::StatusOr<UpdateOutcome> r) { outcome = r; });
  seq.Stop();
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->version, 1u);
}

}  // namespace
}  // namespace keytrail

namespace keytrail {
namespace {

// A lone update on an idle log is sequenced after epoch_interval, not after
// the (much longer) heartbeat.
TEST_F(SequencerTest, LoneUpdateDoesNotWaitForTheHeartbeat) {
  SequencerOptions o;
  o.epoch_interval = absl::Milliseconds(10);
  o.max_epoch_age = absl::Hours(1);
  Sequencer seq(std::move(builder_), o, &published_);
  seq.Start();
  absl::SleepFor(absl::Milliseconds(50));  // the thread is asleep now
  absl::Notification done;
  absl::Time start = absl::Now();
  seq.Submit(Update("a"), [&](absl::StatusOr<UpdateOutcome>) { done.Notify(); });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace keytrail

namespace keytrail {
namespace {

// Many small epochs, each sequenced while the previous one is still being
// written: versions stay consecutive per account and the last epoch's map
// proves what storage holds.
TEST_F(SequencerTest, PipelinedEpochsKeepVersionsConsecutive) {
  SequencerOptions o;
  o.epoch_interval = absl::ZeroDuration();
  o.max_epoch_updates = 3;
  Sequencer seq(std::move(builder_), o, &published_);
  seq.Start();
  constexpr int kUpdates = 300;
  absl::Mutex mu;
  std::vector<absl::StatusOr<UpdateOutcome>> outcomes(kUpdates, absl::UnknownError(""));
  int done = 0;
  for (int i = 0; i < kUpdates; ++i) {
    seq.Submit(Update("user" + std::to_string(i % 5)), [&, i](absl::StatusOr<UpdateOutcome> r) {
      absl::MutexLock lock(&mu);
      outcomes[i] = r;
      ++done;
    });
  }
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(
                                        +[](int* d) { return *d == kUpdates; }, &done),
                                    absl::Seconds(60)));
  }
  EXPECT_GE(seq.epochs_built(), 50u);
  std::map<int, uint64_t> last;
  for (int i = 0; i < kUpdates; ++i) {
    ASSERT_TRUE(outcomes[i].ok()) << outcomes[i].status();
    EXPECT_EQ(outcomes[i]->version, last[i % 5] + 1) << i;
    last[i % 5] = outcomes[i]->version;
  }
  auto state = published_.Get();
  EXPECT_EQ(state->map_size, 5u);
  // Every version record is there, in order, for every account.
  for (int a = 0; a < 5; ++a) {
    PreparedUpdate u = Update("user" + std::to_string(a));
    auto versions =
        storage_->Reader(state->snapshot.get()).GetVersions(u.account_record.index, 1, last[a]);
    ASSERT_TRUE(versions.ok()) << versions.status();
    for (size_t v = 1; v < versions->size(); ++v) {
      EXPECT_LE((*versions)[v - 1].epoch, (*versions)[v].epoch);
    }
  }
}

}  // namespace
}  // namespace keytrail

namespace keytrail {
namespace {

// What the health callback was told, in order.
class HealthRecord {
 public:
  StorageHealthCallback Callback() {
    return [this](bool ok) {
      absl::MutexLock lock(&mu_);
      told_.push_back(ok);
    };
  }
  std::vector<bool> told() const {
    absl::MutexLock lock(&mu_);
    return told_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<bool> told_;
};

absl::StatusOr<UpdateOutcome> SubmitAndWait(Sequencer& seq, PreparedUpdate u) {
  absl::Notification done;
  absl::StatusOr<UpdateOutcome> outcome = absl::UnknownError("not called");
  seq.Submit(std::move(u), [&](absl::StatusOr<UpdateOutcome> r) {
    outcome = std::move(r);
    done.Notify();
  });
  if (!done.WaitForNotificationWithTimeout(absl::Seconds(30))) {
    return absl::DeadlineExceededError("no answer in 30 s");
  }
  return outcome;
}

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

SequencerOptions FastRetries() {
  SequencerOptions o;
  o.epoch_interval = absl::Milliseconds(5);
  o.max_epoch_age = absl::Hours(1);
  o.storage_retry_min = absl::Milliseconds(20);
  o.storage_retry_max = absl::Milliseconds(80);
  return o;
}

// The disk fills: the update in the failing epoch and every later one get
// UNAVAILABLE naming the cause, health hears false once, retries while the
// disk stays full change nothing; once space returns the sequencer resumes
// by itself (health true once), and the next update takes the next version
// as if the failed ones never happened, on disk too.
TEST_F(SequencerTest, FullDiskFailsCleanlyAndRecoversWithoutRestart) {
  HealthRecord health;
  auto seq = std::make_unique<Sequencer>(std::move(builder_), FastRetries(), &published_);
  seq->OnStorageHealth(health.Callback());
  seq->Start();
  for (uint64_t v = 1; v <= 3; ++v) {
    auto ok = SubmitAndWait(*seq, Update("alice"));
    ASSERT_TRUE(ok.ok()) << ok.status();
    EXPECT_EQ(ok->version, v);
  }
  const uint64_t epoch_before = published_.Get()->log.epoch;

  disk_.SetFull(true);
  auto failed = SubmitAndWait(*seq, Update("alice"));
  ASSERT_EQ(failed.status().code(), absl::StatusCode::kUnavailable) << failed.status();
  EXPECT_NE(failed.status().message().find("disk full"), std::string::npos) << failed.status();
  EXPECT_FALSE(seq->storage_ok());
  // Refused at once while failing, without touching the disk.
  for (int i = 0; i < 5; ++i) {
    auto refused = SubmitAndWait(*seq, Update("bob"));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_NE(refused.status().message().find("disk full"), std::string::npos);
  }
  // Several retries, still full: nothing published, health told once.
  const uint64_t refused_before = disk_.refused_writes();
  ASSERT_TRUE(
      WaitFor([&] { return disk_.refused_writes() >= refused_before + 3; }, absl::Seconds(10)))
      << "the sequencer does not retry";
  EXPECT_EQ(health.told(), std::vector<bool>{false});
  EXPECT_EQ(published_.Get()->log.epoch, epoch_before);
  EXPECT_FALSE(seq->storage_ok());

  disk_.SetFull(false);
  ASSERT_TRUE(WaitFor([&] { return seq->storage_ok(); }, absl::Seconds(10)))
      << "no recovery after space returned";
  // The callback runs just after storage_ok() flips, on the sequencer thread.
  ASSERT_TRUE(WaitFor([&] { return health.told().size() >= 2; }, absl::Seconds(10)))
      << "health not told of the recovery";
  EXPECT_EQ(health.told(), (std::vector<bool>{false, true}));
  // The probe epoch replaced the stale checkpoint.
  EXPECT_GT(published_.Get()->log.epoch, epoch_before);
  auto next = SubmitAndWait(*seq, Update("alice"));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->version, 4u) << "a failed update left a version behind";
  auto bob = SubmitAndWait(*seq, Update("bob"));
  ASSERT_TRUE(bob.ok()) << bob.status();
  EXPECT_EQ(bob->version, 1u);
  const LogState after = published_.Get()->log;
  const std::string checkpoint_after = published_.Get()->checkpoint;
  seq.reset();

  // What the server acknowledged is what a restart finds, and no more.
  ASSERT_NO_FATAL_FAILURE(OpenLog());
  EXPECT_EQ(builder_->published()->log.epoch, after.epoch);
  EXPECT_EQ(builder_->published()->log.tree_size, after.tree_size);
  EXPECT_EQ(builder_->published()->checkpoint, checkpoint_after);
  const LogReader reader = storage_->Reader(nullptr);
  const Hash alice = Update("alice").account_record.index;
  auto versions = reader.GetVersions(alice, 1, 4);
  ASSERT_TRUE(versions.ok()) << versions.status();
  EXPECT_EQ((*versions)[3].log_index, next->log_index);
  EXPECT_EQ((*versions)[3].epoch, next->epoch);
  EXPECT_FALSE(reader.GetVersion(alice, 5)->has_value());
}

// The disk fills while epochs are pipelined (one committing, the next
// sequenced on top of it): every update is answered, the acknowledged ones
// hold consecutive versions whose records are on disk where the outcome
// says, the failed ones left nothing, and the log goes on after recovery.
TEST_F(SequencerTest, FullDiskDuringPipelinedEpochsLosesNothingAcknowledged) {
  SequencerOptions o = FastRetries();
  o.epoch_interval = absl::ZeroDuration();
  o.max_epoch_updates = 4;
  auto seq = std::make_unique<Sequencer>(std::move(builder_), o, &published_);
  seq->Start();
  constexpr int kAccounts = 4;
  constexpr int kUpdates = 400;
  absl::Mutex mu;
  std::vector<absl::StatusOr<UpdateOutcome>> outcomes(kUpdates, absl::UnknownError(""));
  int done = 0;
  auto submit = [&](int i) {
    seq->Submit(Update("user" + std::to_string(i % kAccounts)),
                [&, i](absl::StatusOr<UpdateOutcome> r) {
                  absl::MutexLock lock(&mu);
                  outcomes[i] = std::move(r);
                  ++done;
                });
  };
  auto wait_done = [&](int n) {
    absl::MutexLock lock(&mu);
    auto reached = [&done, n] { return done >= n; };
    return mu.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(60));
  };
  for (int i = 0; i < kUpdates / 2; ++i) {
    submit(i);
    if (i == kUpdates / 4) disk_.SetFull(true);  // mid-stream, epochs in flight
  }
  ASSERT_TRUE(wait_done(kUpdates / 2));
  disk_.SetFull(false);
  ASSERT_TRUE(WaitFor([&] { return seq->storage_ok(); }, absl::Seconds(10)));
  for (int i = kUpdates / 2; i < kUpdates; ++i) submit(i);
  ASSERT_TRUE(wait_done(kUpdates));
  seq.reset();

  int failed = 0;
  std::map<int, std::vector<UpdateOutcome>> acked;
  for (int i = 0; i < kUpdates; ++i) {
    if (!outcomes[i].ok()) {
      EXPECT_EQ(outcomes[i].status().code(), absl::StatusCode::kUnavailable) << i;
      ++failed;
      continue;
    }
    acked[i % kAccounts].push_back(*outcomes[i]);
  }
  EXPECT_GT(failed, 0) << "the disk never filled under load";
  ASSERT_NO_FATAL_FAILURE(OpenLog());
  const LogReader reader = storage_->Reader(nullptr);
  for (int a = 0; a < kAccounts; ++a) {
    const std::vector<UpdateOutcome>& mine = acked[a];
    ASSERT_FALSE(mine.empty());
    const Hash index = Update("user" + std::to_string(a)).account_record.index;
    auto versions = reader.GetVersions(index, 1, mine.size());
    ASSERT_TRUE(versions.ok()) << versions.status();
    for (size_t v = 0; v < mine.size(); ++v) {
      EXPECT_EQ(mine[v].version, v + 1) << "account " << a;
      EXPECT_EQ((*versions)[v].log_index, mine[v].log_index) << "account " << a;
      EXPECT_EQ((*versions)[v].epoch, mine[v].epoch) << "account " << a;
    }
    EXPECT_FALSE(reader.GetVersion(index, mine.size() + 1)->has_value()) << "account " << a;
  }
}

}  // namespace
}  // namespace keytrail
