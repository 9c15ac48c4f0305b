#include "log_server/cosignature_collector.h"

#include <map>

#include "absl/synchronization/mutex.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "gtest/gtest.h"
#include "testing/fake_witness.h"

namespace keytrail {
namespace {

using test::FakeWitness;

class CollectorTest : public testing::Test {
 protected:
  CollectorTest() : log_(*note::Ed25519NoteSigner::Generate("example.org/log")) {}

  std::shared_ptr<const PublishedState> State(uint64_t epoch) {
    auto s = std::make_shared<PublishedState>();
    s->log.epoch = epoch;
    s->log.tree_size = epoch * 3;
    note::Checkpoint c{log_.name(), s->log.tree_size, Sha256Of(std::to_string(epoch)), {}};
    const note::NoteSigner* signers[] = {&log_};
    s->checkpoint = *note::SignNote(note::FormatCheckpoint(c), signers);
    return s;
  }

  std::unique_ptr<CosignatureCollector> Collector(std::vector<FakeWitness*> witnesses,
                                                  size_t required) {
    CollectorOptions o;
    for (FakeWitness* w : witnesses) o.monitors.push_back(*ParseMonitorFlag(w->Flag()));
    o.required_cosignatures = required;
    o.min_backoff = absl::Milliseconds(20);
    o.max_backoff = absl::Milliseconds(100);
    o.request_timeout = absl::Seconds(5);
    return std::make_unique<CosignatureCollector>(
        o, &served_,
        [](const PublishedState&, uint64_t) -> absl::StatusOr<std::vector<Hash>> {
          return std::vector<Hash>{};
        },
        [this](uint64_t epoch, const std::string& note) {
          absl::MutexLock l(&mu_);
          stored_[epoch] = note;
          return absl::OkStatus();
        });
  }

  // Waits until the served checkpoint is of `epoch` with `cosigs`
  // cosignatures; returns whether it got there.
  bool WaitServed(CosignatureCollector& c, uint64_t epoch, size_t cosigs) {
    for (int i = 0; i < 500; ++i) {
      auto s = served_.Get();
      if (s != nullptr && s->log.epoch == epoch && c.served_cosignatures() == cosigs) {
        return true;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  size_t VerifiedCosignatures(const std::string& note_text, std::vector<FakeWitness*> ws) {
    std::vector<note::CosignatureVerifier> vs;
    for (FakeWitness* w : ws) vs.push_back(w->signer().Verifier());
    std::vector<const note::NoteVerifier*> keys;
    for (auto& v : vs) keys.push_back(&v);
    auto opened = note::OpenNote(note_text, keys);
    return opened.ok() ? opened->verified.size() : 0;
  }

  note::Ed25519NoteSigner log_;
  StateHolder served_;
  absl::Mutex mu_;
  std::map<uint64_t, std::string> stored_;
};

TEST_F(CollectorTest, ServesCheckpointOnceEnoughMonitorsCosigned) {
  FakeWitness a("a.example/w"), b("b.example/w");
  auto c = Collector({&a, &b}, 2);
  c->Start();
  c->Publish(State(1));
  ASSERT_TRUE(WaitServed(*c, 1, 2));
  EXPECT_EQ(VerifiedCosignatures(served_.Get()->checkpoint, {&a, &b}), 2u);
  {
    absl::MutexLock l(&mu_);
    ASSERT_EQ(stored_.count(1), 1u);
    EXPECT_EQ(VerifiedCosignatures(stored_[1], {&a, &b}), 2u);
  }
  // One monitor down: epoch 2 never gets 2 cosignatures, so epoch 1 stays.
  b.SetForcedStatus(503);
  c->Publish(State(2));
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(served_.Get()->log.epoch, 1u);
  // It recovers; the retry (backoff) pushes the newest epoch.
  b.SetForcedStatus(0);
  c->Publish(State(3));
  ASSERT_TRUE(WaitServed(*c, 3, 2));
  EXPECT_EQ(b.size(), 9u);
  c->Stop();
}

TEST_F(CollectorTest, NoQualifyingEpochYetServesNewest) {
  FakeWitness a("a.example/w");
  a.SetForcedStatus(503);
  auto c = Collector({&a}, 1);
  c->Start();
  c->Publish(State(4));
  ASSERT_TRUE(WaitServed(*c, 4, 0));
  EXPECT_EQ(VerifiedCosignatures(served_.Get()->checkpoint + "", {&a}), 0u);
  a.SetForcedStatus(0);
  ASSERT_TRUE(WaitServed(*c, 4, 1));
  c->Stop();
}

TEST_F(CollectorTest, RestoredCosignaturesCount) {
  FakeWitness a("a.example/w");
  a.SetForcedStatus(503);  // nothing new arrives
  auto c = Collector({&a}, 1);
  auto state = State(7);
  auto n = *note::ParseNote(state->checkpoint);
  n.signatures.push_back(a.signer().SignAsNoteSignature(n.text, 1700000000));
  c->Restore(7, note::FormatNote(n));
  c->Start();
  c->Publish(state);
  ASSERT_TRUE(WaitServed(*c, 7, 1));
  c->Stop();
}

}  // namespace
}  // namespace keytrail
