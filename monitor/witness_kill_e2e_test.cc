// End to end: the real monitor binary is killed with SIGKILL while a client
// (this test, over HTTP) floods POST /add-checkpoint with the real
// log_server's growing checkpoints and consistency proofs. After every
// restart:
//   - GET /<hex sha256(origin)>/checkpoint serves a checkpoint at least as
//     new as every cosignature the client received before the kill (a 200 is
//     only sent once the state is durable), with the same root when the size
//     is the same;
//   - and at the end, a fork attempt signed with the log's own key is
//     refused: the same size with another root (409, the spec's answer) and
//     a larger tree that is not consistent with the cosigned one (422); the
//     served checkpoint does not move, and the log is MISBEHAVING with the
//     evidence (monitor/fork_routes_e2e_test.cc has each route).
// At the end every cosignature received verifies, the cosigned sizes only
// grew, and every cosigned checkpoint is consistent with the log's final
// tree (proved with the log's consistency proofs), so all of them are
// mutually consistent. Catch-up kills are //monitor:monitor_e2e_test's
// KilledDuringCatchUpResumesFromItsState.
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "core/bytes/encoding.h"
#include "core/crypto/sha256.h"
#include "core/http/client.h"
#include "core/keys/keys.h"
#include "core/merkle/hash_list.h"
#include "core/merkle/verify.h"
#include "core/note/checkpoint.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "core/witness/add_checkpoint.h"
#include "gtest/gtest.h"
#include "testing/log_server_harness.h"
#include "testing/monitor_harness.h"
#include "testing/process.h"
#include "testing/signed_checkpoint.h"

namespace keytrail::monitor {
namespace {

using ::keytrail::test::CheckpointOf;
using keytrail::test::LogServerHarness;
using keytrail::test::MonitorHarness;

constexpr int kKills = 8;

struct Cosigned {
  uint64_t size = 0;
  Hash root{};
  std::string note;  // the checkpoint note with the cosignature line appended
};

// Size and root of a checkpoint note; size 0 and a zero root if it does not
// parse.
class WitnessKillE2eTest : public testing::Test {
 protected:
  void SetUp() override {
    auto h = LogServerHarness::Create("witness_kill");
    ASSERT_TRUE(h.ok()) << h.status();
    log_ = *std::move(h);
    ASSERT_TRUE(log_->Start().ok()) << log_->log();
    grpc::ClientContext ctx;
    v1::GetLogInfoResponse info;
    ASSERT_TRUE(log_->stub().GetLogInfo(&ctx, {}, &info).ok());
    origin_ = info.origin();
    auto vkey = note::ParseVerifierKey(info.note_verifier_key());
    ASSERT_TRUE(vkey.ok()) << vkey.status();
    log_key_ = std::make_unique<note::Ed25519NoteVerifier>(*vkey);
    auto signer = LoadNoteSigner(log_->path("note.key"));
    ASSERT_TRUE(signer.ok()) << signer.status();
    log_signer_ = std::make_unique<note::Ed25519NoteSigner>(*std::move(signer));

    monitor_ = std::make_unique<MonitorHarness>(keytrail::test::TempDir("witness_kill_m"),
                                                "monitor.example/kill");
    monitor_->AddLog(origin_, info.note_verifier_key(), absl::StrCat("127.0.0.1:", log_->port()),
                     50);
    ASSERT_NO_FATAL_FAILURE(monitor_->Start());
    auto ckey = note::ParseCosignatureVerifierKey(monitor_->cosigner_key());
    ASSERT_TRUE(ckey.ok()) << ckey.status();
    cosigner_ = std::make_unique<note::CosignatureVerifier>(*ckey);
    endpoint_ = absl::StrCat("/", HexEncode(HashView(Sha256Of(origin_))), "/checkpoint");
  }

  void TearDown() override {
    stop_ = true;
    for (std::thread* t : {&writer_, &pusher_}) {
      if (t->joinable()) t->join();
    }
  }

  // Keeps the log growing: a small batch of updates every few milliseconds.
  void Write() {
    int n = 0;
    while (!stop_) {
      grpc::ClientContext ctx;
      log_->Authorize(&ctx);
      v1::BatchUpdateRequest batch;
      for (int i = 0; i < 10; ++i, ++n) {
        v1::UpdateRequest* u = batch.add_updates();
        u->set_account(absl::StrCat("account-", n % 500));
        v1::Device* d = u->mutable_key_set()->add_devices();
        d->set_device_id("phone");
        d->set_device_key(absl::StrCat("key ", n));
      }
      v1::BatchUpdateResponse resp;
      grpc::Status s = log_->stub().BatchUpdate(&ctx, batch, &resp);
      if (!s.ok()) Fail(absl::StrCat("BatchUpdate: ", s.error_message()));
      absl::SleepFor(absl::Milliseconds(20));
    }
  }

  std::string NewestCheckpoint() {
    auto cp = log_->Checkpoint(/*newest=*/true);
    if (!cp.ok()) Fail(cp.status().ToString());
    return cp.ok() ? *cp : "";
  }

  // The log's consistency proof from `from` to `to`.
  std::vector<Hash> Proof(uint64_t from, uint64_t to) {
    if (from == 0 || from == to) return {};
    grpc::ClientContext ctx;
    v1::GetConsistencyProofRequest req;
    req.set_first_size(from);
    req.set_second_size(to);
    v1::GetConsistencyProofResponse resp;
    grpc::Status s = log_->stub().GetConsistencyProof(&ctx, req, &resp);
    if (!s.ok()) {
      Fail(absl::StrCat("GetConsistencyProof ", from, " -> ", to, ": ", s.error_message()));
      return {};
    }
    auto proof = merkle::DecodeHashList(resp.proof(), 65, "consistency proof");
    if (!proof.ok()) Fail(std::string(proof.status().message()));
    return proof.ok() ? *proof : std::vector<Hash>{};
  }

  // One POST /add-checkpoint; a fresh connection each time (the monitor
  // dies under us). Status 0 for a transport error.
  std::pair<int, std::string> Post(uint64_t old_size, const std::vector<Hash>& proof,
                                   const std::string& checkpoint) {
    http::Request req;
    req.method = "POST";
    req.url = absl::StrCat("http://127.0.0.1:", monitor_->http_port(), "/add-checkpoint");
    req.content_type = "text/plain";
    req.body = witness::FormatAddCheckpointRequest(old_size, proof, checkpoint);
    req.timeout = absl::Seconds(12);
    auto res = http::Fetch(req);
    if (!res.ok()) return {0, ""};
    return {res->status, res->body};
  }

  // GET of the monitoring endpoint; status 0 for a transport error.
  std::pair<int, std::string> Served() {
    http::Request req;
    req.url = absl::StrCat("http://127.0.0.1:", monitor_->http_port(), endpoint_);
    req.timeout = absl::Seconds(12);
    auto res = http::Fetch(req);
    if (!res.ok()) return {0, ""};
    return {res->status, res->body};
  }

  // The flood: push the log's newest checkpoint with the proof from the size
  // the witness holds, as fast as the witness answers.
  void Push() {
    uint64_t known = 0;  // the witness's size as far as we know
    while (!stop_) {
      if (pause_) {
        idle_ = true;
        absl::SleepFor(absl::Milliseconds(2));
        continue;
      }
      idle_ = false;
      const std::string cp_note = NewestCheckpoint();
      const note::Checkpoint cp = CheckpointOf(cp_note);
      if (cp.size == 0 || cp.size == known) {
        absl::SleepFor(absl::Milliseconds(5));
        continue;
      }
      if (cp.size < known) {
        Fail(absl::StrCat("the witness holds size ", known, " above the log's ", cp.size));
        absl::SleepFor(absl::Milliseconds(50));
        continue;
      }
      const std::vector<Hash> proof = Proof(known, cp.size);
      in_flight_ = true;
      auto [status, body] = Post(known, proof, cp_note);
      in_flight_ = false;
      if (status == 0 || status == 503) {
        // Down, or not audited that far yet.
        absl::MutexLock lock(&mu_);
        ++answers_[status];
      } else {
        known = Record(known, cp, cp_note, status, body);
        continue;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
  }

  // Records one answer; returns the size the witness now holds as far as
  // the answer tells.
  uint64_t Record(uint64_t known, const note::Checkpoint& cp, const std::string& cp_note,
                  int status, const std::string& body) {
    absl::MutexLock lock(&mu_);
    ++answers_[status];
    if (status == 200) {
      const note::NoteVerifier* keys[] = {cosigner_.get()};
      auto opened = note::OpenNote(cp_note + body, keys);
      if (!opened.ok()) {
        failures_.push_back(absl::StrCat("cosignature on size ", cp.size,
                                         " does not verify: ", opened.status().message()));
      }
      if (!cosigned_.empty() && cosigned_.back().size >= cp.size) {
        failures_.push_back(
            absl::StrCat("cosigned size ", cp.size, " after size ", cosigned_.back().size));
      }
      cosigned_.push_back(Cosigned{cp.size, cp.root, cp_note + body});
      return cp.size;
    }
    if (status == 409) {
      auto theirs = witness::ParseTlogSize(body);
      if (!theirs.ok()) {
        failures_.push_back(absl::StrCat("409 body: ", theirs.status().message()));
        return known;
      }
      // A 409 below a size it acknowledged would be a lost cosignature.
      if (!cosigned_.empty() && *theirs < cosigned_.back().size) {
        failures_.push_back(absl::StrCat("409 says size ", *theirs, " after size ",
                                         cosigned_.back().size, " was cosigned"));
      }
      return *theirs;
    }
    failures_.push_back(
        absl::StrCat("add-checkpoint old ", known, " size ", cp.size, ": ", status, " ", body));
    return known;
  }

  void Fail(const std::string& what) {
    absl::MutexLock lock(&mu_);
    failures_.push_back(what);
  }

  Cosigned NewestCosigned() {
    absl::MutexLock lock(&mu_);
    return cosigned_.empty() ? Cosigned{} : cosigned_.back();
  }

  // Signs a checkpoint of the log's origin with the log's own key: what a
  // log that forks would send.
  std::string Forge(uint64_t size, const Hash& root) {
    note::Checkpoint cp{origin_, size, root, {}};
    const note::NoteSigner* signers[] = {log_signer_.get()};
    auto signed_note = note::SignNote(note::FormatCheckpoint(cp), signers);
    EXPECT_TRUE(signed_note.ok()) << signed_note.status();
    return signed_note.value_or("");
  }

  // The served checkpoint, checked: log signature and cosignature verify.
  note::Checkpoint CheckServed() {
    auto [status, body] = Served();
    EXPECT_EQ(status, 200) << body << monitor_->log();
    const note::NoteVerifier* keys[] = {log_key_.get(), cosigner_.get()};
    auto opened = note::OpenNote(body, keys);
    EXPECT_TRUE(opened.ok()) << opened.status() << "\n" << body;
    if (opened.ok()) {
      EXPECT_EQ(opened->verified.size(), 2u) << body;
    }
    return CheckpointOf(body);
  }

  std::unique_ptr<LogServerHarness> log_;
  std::unique_ptr<MonitorHarness> monitor_;
  std::string origin_;
  std::string endpoint_;
  std::unique_ptr<note::Ed25519NoteVerifier> log_key_;
  std::unique_ptr<note::Ed25519NoteSigner> log_signer_;
  std::unique_ptr<note::CosignatureVerifier> cosigner_;

  std::atomic<bool> stop_{false};
  std::atomic<bool> pause_{false};
  std::atomic<bool> idle_{false};
  std::atomic<bool> in_flight_{false};
  std::thread writer_;
  std::thread pusher_;
  absl::Mutex mu_;
  std::vector<Cosigned> cosigned_ ABSL_GUARDED_BY(mu_);
  std::map<int, int> answers_ ABSL_GUARDED_BY(mu_);  // by HTTP status
  std::vector<std::string> failures_ ABSL_GUARDED_BY(mu_);
};

TEST_F(WitnessKillE2eTest, KilledDuringAddCheckpointKeepsWhatItAcknowledged) {
  writer_ = std::thread([this] { Write(); });
  pusher_ = std::thread([this] { Push(); });
  std::mt19937 random(std::random_device{}());
  int kills_in_flight = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    // Let it cosign something since the last start, then kill it at a
    // random moment while a request is in flight.
    const size_t before = [&] {
      absl::MutexLock lock(&mu_);
      return cosigned_.size();
    }();
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (NewestCosigned().size == 0 || [&] {
      absl::MutexLock lock(&mu_);
      return cosigned_.size() == before;
    }()) {
      ASSERT_LT(absl::Now(), give_up) << "nothing cosigned after start " << kill << "\n"
                                      << monitor_->log();
      absl::SleepFor(absl::Milliseconds(5));
    }
    absl::SleepFor(absl::Milliseconds(std::uniform_int_distribution<int>(0, 300)(random)));
    for (int i = 0; i < 1000 && !in_flight_; ++i) absl::SleepFor(absl::Milliseconds(1));
    kills_in_flight += in_flight_ ? 1 : 0;
    monitor_->Kill();
    ASSERT_NO_FATAL_FAILURE(monitor_->Start());

    // Hold the flood still: every answer it got is recorded.
    pause_ = true;
    for (int i = 0; i < 30000 && !idle_; ++i) absl::SleepFor(absl::Milliseconds(1));
    ASSERT_TRUE(idle_);
    const Cosigned acked = NewestCosigned();
    const note::Checkpoint served = CheckServed();
    // Durable before acknowledged: nothing older than a cosignature we got.
    EXPECT_GE(served.size, acked.size) << monitor_->log();
    if (served.size == acked.size) {
      EXPECT_EQ(served.root, acked.root);
    }

    idle_ = false;
    pause_ = false;
  }
  // Last, with the flood held still: fork attempts signed with the log's
  // own key are refused (the spec's answers) and do not move the state —
  // and, being proof of a split view, make the log MISBEHAVING for good
  // (issue 13), which is why they come after the kills, not between them.
  pause_ = true;
  for (int i = 0; i < 30000 && !idle_; ++i) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_TRUE(idle_);
  const note::Checkpoint served = CheckServed();
  // A fork of the cosigned checkpoint at the same size: 409 with its size.
  Hash other = served.root;
  other[0] ^= 1;
  auto [same_status, same_body] = Post(served.size, {}, Forge(served.size, other));
  EXPECT_EQ(same_status, 409) << same_body;
  EXPECT_EQ(same_body, witness::FormatTlogSize(served.size));
  // A larger tree that does not extend it: the log's real proof from the
  // cosigned size, but another root at the larger size: 422.
  note::Checkpoint newest = CheckpointOf(NewestCheckpoint());
  for (int i = 0; i < 1000 && newest.size <= served.size; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    newest = CheckpointOf(NewestCheckpoint());
  }
  ASSERT_GT(newest.size, served.size);
  Hash forked = newest.root;
  forked[7] ^= 0x40;
  auto [bigger_status, bigger_body] =
      Post(served.size, Proof(served.size, newest.size), Forge(newest.size, forked));
  EXPECT_EQ(bigger_status, 422) << bigger_body;
  // Neither moved the state.
  const note::Checkpoint still = CheckServed();
  EXPECT_EQ(still.size, served.size);
  EXPECT_EQ(still.root, served.root);
  const v1::LogStatus status = monitor_->Status().logs(0);
  EXPECT_EQ(status.state(), v1::LogStatus::MISBEHAVING) << status.DebugString();
  EXPECT_EQ(status.evidence_size(), 1) << status.DebugString();
  stop_ = true;
  writer_.join();
  pusher_.join();

  std::vector<Cosigned> cosigned;
  std::string answers;
  {
    absl::MutexLock lock(&mu_);
    for (const std::string& f : failures_) ADD_FAILURE() << f;
    cosigned = cosigned_;
    for (const auto& [status, n] : answers_) absl::StrAppend(&answers, " ", status, ":", n);
  }
  ASSERT_FALSE(cosigned.empty());
  // Every cosigned checkpoint is a prefix of the log's final tree.
  const note::Checkpoint final_cp = CheckpointOf(NewestCheckpoint());
  for (const Cosigned& c : cosigned) {
    ASSERT_LE(c.size, final_cp.size);
    if (c.size == final_cp.size) {
      EXPECT_EQ(c.root, final_cp.root);
      continue;
    }
    EXPECT_TRUE(merkle::VerifyConsistency(c.size, final_cp.size, Proof(c.size, final_cp.size),
                                          c.root, final_cp.root)
                    .ok())
        << "cosigned size " << c.size;
  }
  EXPECT_GT(kills_in_flight, 0);
  std::printf(
      "%d kills (%d with a request in flight); %zu cosignatures up to size %llu; "
      "answers by status:%s\n",
      kKills, kills_in_flight, cosigned.size(),
      static_cast<unsigned long long>(cosigned.back().size), answers.c_str());
}

}  // namespace
}  // namespace keytrail::monitor
