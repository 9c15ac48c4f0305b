#include "log_server/sequencer.h"

#include <cstdlib>
#include <string>

#include "absl/synchronization/notification.h"
#include "core/crypto/ecvrf.h"
#include "core/note/ed25519_note.h"
#include "core/protocol/key_set.h"
#include "gtest/gtest.h"
#include "log_server/log_storage.h"

namespace keytrail {
namespace {

class SequencerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("TEST_TMPDIR");
    auto storage = LogStorage::Open(std::string(base ? base : "/tmp") + "/" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                                    1 << 20);
    ASSERT_TRUE(storage.ok());
    storage_ = *std::move(storage);
    auto signer = note::Ed25519NoteSigner::Generate("example.org/seq").value();
    LogConfig config{signer.name(), signer.VerifierKey(), vrf_.public_key().bytes()};
    auto builder = EpochBuilder::Open(storage_.get(), config, signer, [] {
      return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
    });
    ASSERT_TRUE(builder.ok());
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
    seq.Submit(Update("user" + std::to_string(i % 10)),
               [&, i](absl::StatusOr<UpdateOutcome> o) {
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
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(+[](int* d) { return *d == kUpdates; }, &done),
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
