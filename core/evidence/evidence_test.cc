#include "core/evidence/evidence.h"

#include <vector>

#include "core/protocol/entry.h"
#include "gtest/gtest.h"
#include "testing/crafted_log.h"

namespace keytrail::evidence {
namespace {

using test::CraftedLog;
using test::TestIndex;

constexpr uint64_t kT = 1700000000000;

ProvenEntry Proven(const CraftedLog& log, uint64_t index, uint64_t size) {
  return ProvenEntry{index, log.entry(index), log.InclusionProof(index, size)};
}

Evidence RuleEvidence(const CraftedLog& log, Rule rule, uint64_t first, uint64_t last) {
  Evidence e;
  e.kind = EvidenceKind::kBrokenRule;
  e.log_key = log.VerifierKey();
  e.rule = rule;
  e.checkpoint = log.SignedCheckpoint();
  for (uint64_t i = first; i <= last; ++i) e.entries.push_back(Proven(log, i, log.size()));
  return e;
}

// Round-trips the evidence and verifies it; returns the finding's summary.
std::string Check(const Evidence& e) {
  auto decoded = DecodeEvidence(EncodeEvidence(e));
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  if (!decoded.ok()) return "";
  EXPECT_EQ(EncodeEvidence(*decoded), EncodeEvidence(e));
  auto finding = VerifyEvidence(*decoded);
  EXPECT_TRUE(finding.ok()) << finding.status();
  return finding.ok() ? finding->summary : "";
}

void ExpectProvesNothing(const Evidence& e) {
  auto finding = VerifyEvidence(e);
  EXPECT_EQ(finding.status().code(), absl::StatusCode::kInvalidArgument)
      << (finding.ok() ? finding->summary : "");
}

TEST(SplitViewTest, SameSizeDifferentRoots) {
  CraftedLog log;
  log.HonestEpoch({}, kT);
  CraftedLog fork = log;
  log.HonestEpoch({TestIndex(1)}, kT + 1);
  fork.HonestEpoch({TestIndex(2)}, kT + 1);
  Evidence e;
  e.kind = EvidenceKind::kSplitView;
  e.log_key = log.VerifierKey();
  e.checkpoint_a = log.SignedCheckpoint();
  e.checkpoint_b = fork.SignedCheckpoint();
  EXPECT_NE(Check(e).find("split view"), std::string::npos);
  // The same checkpoint twice proves nothing.
  e.checkpoint_b = e.checkpoint_a;
  ExpectProvesNothing(e);
}

TEST(SplitViewTest, GrowthThatRewritesHistory) {
  CraftedLog log;
  log.HonestEpoch({}, kT);
  log.HonestEpoch({TestIndex(1)}, kT + 1);  // size 3
  CraftedLog fork = log;
  log.HonestEpoch({TestIndex(2)}, kT + 2);                 // size 5
  fork.HonestEpoch({TestIndex(3)}, kT + 2);                // size 5
  fork.HonestEpoch({TestIndex(4), TestIndex(5)}, kT + 3);  // size 8
  Evidence e;
  e.kind = EvidenceKind::kSplitView;
  e.log_key = log.VerifierKey();
  e.checkpoint_a = log.SignedCheckpoint();
  e.checkpoint_b = fork.SignedCheckpoint();
  e.root_a_in_b = fork.RootAt(5);
  e.consistency_proof = fork.ConsistencyProof(5, 8);
  EXPECT_NE(Check(e).find("split view"), std::string::npos);

  // An honest growth (a's own later checkpoint) proves nothing.
  Evidence honest = e;
  honest.checkpoint_a = fork.SignedCheckpoint(5);
  ExpectProvesNothing(honest);
  // A tampered proof proves nothing.
  Evidence tampered = e;
  tampered.consistency_proof[0][0] ^= 1;
  ExpectProvesNothing(tampered);
  // Nor does another key.
  Evidence other_key = e;
  other_key.log_key = CraftedLog().VerifierKey();
  ExpectProvesNothing(other_key);
  // Nor the larger checkpoint first.
  Evidence swapped = e;
  std::swap(swapped.checkpoint_a, swapped.checkpoint_b);
  ExpectProvesNothing(swapped);
}

TEST(BrokenRuleTest, EntryEncoding) {
  CraftedLog log;
  log.HonestEpoch({}, kT);
  log.Append(std::string("\x01\x07garbage", 9));
  log.Append(EncodeEntry(log.NextEpochEntry(1, kT)));
  EXPECT_NE(Check(RuleEvidence(log, Rule::kEntryEncoding, 1, 1)).find("entry-encoding"),
            std::string::npos);
  ExpectProvesNothing(RuleEvidence(log, Rule::kEntryEncoding, 0, 0));
}

TEST(BrokenRuleTest, CheckpointNotOnEpoch) {
  CraftedLog log;
  log.HonestEpoch({}, kT);
  log.Append(EncodeEntry(log.NextUpdate(TestIndex(1))));
  Check(RuleEvidence(log, Rule::kCheckpointNotOnEpoch, 1, 1));
  ExpectProvesNothing(RuleEvidence(log, Rule::kCheckpointNotOnEpoch, 0, 0));
}

TEST(BrokenRuleTest, EpochNotConsecutive) {
  CraftedLog log;
  log.HonestEpoch({}, kT);
  log.FinishEpoch();  // skips epoch 1
  log.HonestEpoch({}, kT);
  Check(RuleEvidence(log, Rule::kEpochNotConsecutive, 0, 1));
  ExpectProvesNothing(RuleEvidence(log, Rule::kEpochWrongCount, 0, 1));
}

TEST(BrokenRuleTest, TimestampBackwards) {
  CraftedLog log;
  log.HonestEpoch({}, kT);
  log.HonestEpoch({}, kT - 1);
  Check(RuleEvidence(log, Rule::kTimestampBackwards, 0, 1));
  CraftedLog good;
  good.HonestEpoch({}, kT);
  good.HonestEpoch({}, kT);
  ExpectProvesNothing(RuleEvidence(good, Rule::kTimestampBackwards, 0, 1));
}

TEST(BrokenRuleTest, TimestampInFuture) {
  CraftedLog log;
  log.HonestEpoch({}, kT);
  Evidence e = RuleEvidence(log, Rule::kTimestampInFuture, 0, 0);
  e.observed_ms = kT - kFutureToleranceMs - 1;
  Check(e);
  e.observed_ms = kT - kFutureToleranceMs;
  ExpectProvesNothing(e);
}

TEST(BrokenRuleTest, UpdateWrongEpoch) {
  CraftedLog log;
  log.HonestEpoch({}, kT);
  UpdateEntry u = log.NextUpdate(TestIndex(1));
  u.epoch = 7;
  log.ApplyToMap(u);
  log.Append(EncodeEntry(u));
  log.Append(EncodeEntry(log.NextEpochEntry(1, kT)));
  Check(RuleEvidence(log, Rule::kUpdateWrongEpoch, 0, 2));
}

TEST(BrokenRuleTest, EpochWrongCount) {
  CraftedLog log;
  log.HonestEpoch({}, kT);
  UpdateEntry u = log.NextUpdate(TestIndex(1));
  log.ApplyToMap(u);
  log.Append(EncodeEntry(u));
  log.Append(EncodeEntry(log.NextEpochEntry(2, kT)));
  Check(RuleEvidence(log, Rule::kEpochWrongCount, 0, 2));
  ExpectProvesNothing(RuleEvidence(log, Rule::kUpdateWrongEpoch, 0, 2));
}

// Map witnesses of `indexes` against the log's map before the epoch.
std::vector<MapWitness> Witnesses(const map::MemoryMap& before, std::vector<Hash> indexes) {
  std::sort(indexes.begin(), indexes.end());
  std::vector<MapWitness> out;
  for (const Hash& index : indexes) {
    MapWitness w;
    auto leaf = before.Get(index);
    w.prior = leaf.value_or(map::MapLeaf{index, 0, Hash{}});
    w.proof = before.Prove(index);
    out.push_back(w);
  }
  return out;
}

TEST(BrokenRuleTest, UpdateWrongVersionAndMapRoot) {
  CraftedLog log;
  log.HonestEpoch({}, kT);
  std::vector<Hash> many;
  for (int i = 0; i < 50; ++i) many.push_back(TestIndex(i));
  log.HonestEpoch(many, kT);
  const uint64_t start = log.size() - 1;  // epoch 1's entry
  const map::MemoryMap before = log.map();
  // Epoch 2: index 3 skips a version; index 100 is new.
  UpdateEntry a = log.NextUpdate(TestIndex(3));
  a.version += 1;
  log.ApplyToMap(a);
  log.Append(EncodeEntry(a));
  UpdateEntry b = log.NextUpdate(TestIndex(100));
  log.ApplyToMap(b);
  log.Append(EncodeEntry(b));
  log.Append(EncodeEntry(log.NextEpochEntry(2, kT)));
  Evidence e = RuleEvidence(log, Rule::kUpdateWrongVersion, start, log.size() - 1);
  e.witnesses = Witnesses(before, {TestIndex(3), TestIndex(100)});
  EXPECT_NE(Check(e).find("update-wrong-version"), std::string::npos);
  // Without the witness of index 3 it proves nothing.
  Evidence missing = e;
  missing.witnesses = Witnesses(before, {TestIndex(100)});
  ExpectProvesNothing(missing);

  // Epoch 3: right versions, wrong map root.
  const uint64_t start3 = log.size() - 1;
  const map::MemoryMap before3 = log.map();
  for (int i : {5, 200}) {
    UpdateEntry u = log.NextUpdate(TestIndex(i));
    log.ApplyToMap(u);
    log.Append(EncodeEntry(u));
  }
  EpochEntry wrong = log.NextEpochEntry(2, kT);
  wrong.map_root[0] ^= 1;
  log.Append(EncodeEntry(wrong));
  Evidence m = RuleEvidence(log, Rule::kMapRootMismatch, start3, log.size() - 1);
  m.witnesses = Witnesses(before3, {TestIndex(5), TestIndex(200)});
  EXPECT_NE(Check(m).find("map-root"), std::string::npos);
  // A witness for an untouched index makes it prove nothing.
  Evidence extra = m;
  extra.witnesses = Witnesses(before3, {TestIndex(5), TestIndex(7), TestIndex(200)});
  ExpectProvesNothing(extra);
  // A forged prior leaf does not verify.
  Evidence forged = m;
  forged.witnesses[0].prior.version += 1;
  ExpectProvesNothing(forged);
}

TEST(BrokenRuleTest, HonestEpochProvesNothing) {
  CraftedLog log;
  log.HonestEpoch({}, kT);
  const map::MemoryMap before = log.map();
  log.HonestEpoch({TestIndex(1), TestIndex(2)}, kT);
  for (Rule rule : {Rule::kEpochNotConsecutive, Rule::kUpdateWrongEpoch, Rule::kEpochWrongCount,
                    Rule::kUpdateWrongVersion, Rule::kMapRootMismatch}) {
    Evidence e = RuleEvidence(log, rule, 0, 3);
    if (rule == Rule::kUpdateWrongVersion || rule == Rule::kMapRootMismatch) {
      e.witnesses = Witnesses(before, {TestIndex(1), TestIndex(2)});
    }
    ExpectProvesNothing(e);
  }
  // A bad inclusion proof proves nothing either.
  Evidence e = RuleEvidence(log, Rule::kEntryEncoding, 1, 1);
  e.entries[0].entry = "x";
  ExpectProvesNothing(e);
}

TEST(DecodeEvidenceTest, RejectsEveryTruncationAndTrailingBytes) {
  CraftedLog log;
  log.HonestEpoch({}, kT);
  const map::MemoryMap before = log.map();
  log.HonestEpoch({TestIndex(1)}, kT);
  Evidence e = RuleEvidence(log, Rule::kMapRootMismatch, 0, 2);
  e.witnesses = Witnesses(before, {TestIndex(1)});
  const std::string bytes = EncodeEvidence(e);
  ASSERT_TRUE(DecodeEvidence(bytes).ok());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(DecodeEvidence(bytes.substr(0, n)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << n;
  }
  EXPECT_EQ(DecodeEvidence(bytes + "x").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DecodeEvidenceTest, RejectsUnknownValuesAndMisplacedWitnesses) {
  CraftedLog log;
  log.HonestEpoch({}, kT);
  const map::MemoryMap before = log.map();
  log.HonestEpoch({TestIndex(1)}, kT);
  Evidence e = RuleEvidence(log, Rule::kEntryEncoding, 1, 1);
  std::string bytes = EncodeEvidence(e);
  std::string bad = bytes;
  bad[0] = 2;  // format
  EXPECT_FALSE(DecodeEvidence(bad).ok());
  bad = bytes;
  bad[1] = 3;  // kind
  EXPECT_FALSE(DecodeEvidence(bad).ok());
  const size_t rule_at = 2 + 2 + e.log_key.size();
  bad = bytes;
  bad[rule_at] = 0;
  EXPECT_FALSE(DecodeEvidence(bad).ok());
  bad[rule_at] = 10;
  EXPECT_FALSE(DecodeEvidence(bad).ok());
  e.witnesses = Witnesses(before, {TestIndex(1)});
  EXPECT_EQ(DecodeEvidence(EncodeEvidence(e)).status().code(), absl::StatusCode::kInvalidArgument);
  // Witnesses out of order.
  Evidence m = RuleEvidence(log, Rule::kMapRootMismatch, 0, 2);
  m.witnesses = Witnesses(before, {TestIndex(1), TestIndex(2)});
  std::swap(m.witnesses[0], m.witnesses[1]);
  EXPECT_FALSE(DecodeEvidence(EncodeEvidence(m)).ok());
  // An empty log key.
  Evidence k = RuleEvidence(log, Rule::kEntryEncoding, 1, 1);
  k.log_key.clear();
  EXPECT_FALSE(DecodeEvidence(EncodeEvidence(k)).ok());
}

}  // namespace
}  // namespace keytrail::evidence
