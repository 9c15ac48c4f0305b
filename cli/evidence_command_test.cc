#include "cli/evidence_command.h"

#include <fstream>
#include <sstream>
#include <string>

#include "core/bytes/encoding.h"
#include "core/evidence/evidence.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "testing/crafted_log.h"
#include "testing/process.h"

namespace keytrail::cli {
namespace {

TEST(EvidenceCommandTest, VerifiesProofAndRejectsWhatProvesNothing) {
  const std::string dir = keytrail::test::TempDir("evidence_command");
  test::CraftedLog log;
  log.HonestEpoch({}, 1700000000000);
  test::CraftedLog fork = log;
  log.HonestEpoch({test::TestIndex(1)}, 1700000000001);
  fork.HonestEpoch({test::TestIndex(2)}, 1700000000001);
  evidence::Evidence e;
  e.kind = evidence::EvidenceKind::kSplitView;
  e.log_key = log.VerifierKey();
  e.checkpoint_a = log.SignedCheckpoint();
  e.checkpoint_b = fork.SignedCheckpoint();
  const std::string good = dir + "/good.evidence";
  std::ofstream(good, std::ios::binary) << evidence::EncodeEvidence(e);
  EXPECT_TRUE(RunEvidenceCommand({"verify", good}).ok());

  e.checkpoint_b = e.checkpoint_a;  // agrees: proves nothing
  const std::string nothing = dir + "/nothing.evidence";
  std::ofstream(nothing, std::ios::binary) << evidence::EncodeEvidence(e);
  EXPECT_EQ(RunEvidenceCommand({"verify", nothing}).code(), absl::StatusCode::kInvalidArgument);
  const std::string garbage = dir + "/garbage.evidence";
  std::ofstream(garbage, std::ios::binary) << "garbage";
  EXPECT_EQ(RunEvidenceCommand({"verify", garbage}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunEvidenceCommand({"verify", dir + "/missing"}).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(RunEvidenceCommand({"check", good}).code(), absl::StatusCode::kInvalidArgument);
}

// testdata/split_view_evidence.json, made by Go's x/mod from PROTOCOL.md
// alone: PROVEN as laid out there (n, root_a_in_b, proof); with the proof
// before the root (the order core/evidence wrote before issue 13), refused.
TEST(EvidenceCommandTest, TheProtocolVectorAndNotItsOtherOrder) {
  std::ifstream in("testdata/split_view_evidence.json");
  std::stringstream ss;
  ss << in.rdbuf();
  const nlohmann::json v = nlohmann::json::parse(ss.str());
  const std::string bytes = HexDecode(v["evidence_hex"].get<std::string>()).value();
  const std::string dir = keytrail::test::TempDir("evidence_command_vector");
  const std::string good = dir + "/vector.evidence";
  std::ofstream(good, std::ios::binary) << bytes;
  EXPECT_TRUE(RunEvidenceCommand({"verify", good}).ok());

  const size_t n = v["consistency_proof"].size();
  std::string swapped = bytes.substr(0, bytes.size() - 32 * (n + 1));
  for (const auto& h : v["consistency_proof"]) swapped += HexDecode(h.get<std::string>()).value();
  swapped += HexDecode(v["root_a_in_b"].get<std::string>()).value();
  const std::string other = dir + "/other_order.evidence";
  std::ofstream(other, std::ios::binary) << swapped;
  EXPECT_EQ(RunEvidenceCommand({"verify", other}).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keytrail::cli
