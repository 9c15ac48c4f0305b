// testdata/split_view_evidence.json: split-view evidence with a consistency
// proof (n > 0), made by Go's x/mod sumdb note and tlog from docs/PROTOCOL.md
// alone (testdata/make_split_view_evidence.go). Its bytes are read here
// field by field as PROTOCOL.md lays them out; DecodeEvidence must find the
// same fields, EncodeEvidence give the same bytes, VerifyEvidence prove the
// split; the proof and root_a_in_b in the other order must prove nothing.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/bytes/encoding.h"
#include "core/evidence/evidence.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace keytrail::evidence {
namespace {

nlohmann::json Vector() {
  std::ifstream in("testdata/split_view_evidence.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

std::string Unhex(const nlohmann::json& j) { return HexDecode(j.get<std::string>()).value(); }

// Reads PROTOCOL.md's fields off the front of `in`.
struct Cursor {
  absl::string_view in;
  uint8_t U8() {
    EXPECT_GE(in.size(), 1u);
    const uint8_t v = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    return v;
  }
  std::string Bytes(size_t n) {
    EXPECT_GE(in.size(), n);
    std::string v(in.substr(0, n));
    in.remove_prefix(n);
    return v;
  }
  std::string Opaque16() {
    const size_t n = (size_t{U8()} << 8) | U8();
    return Bytes(n);
  }
};

TEST(SplitViewVectorTest, FieldByFieldAsProtocolMdSays) {
  const nlohmann::json v = Vector();
  const std::string bytes = Unhex(v["evidence_hex"]);
  const std::vector<nlohmann::json> proof_hex = v["consistency_proof"];
  ASSERT_GT(proof_hex.size(), 0u);

  Cursor c{bytes};
  EXPECT_EQ(c.U8(), 1);  // format
  EXPECT_EQ(c.U8(), 1);  // kind: split view
  EXPECT_EQ(c.Opaque16(), v["log_key"].get<std::string>());
  EXPECT_EQ(c.Opaque16(), v["checkpoint_a"].get<std::string>());
  EXPECT_EQ(c.Opaque16(), v["checkpoint_b"].get<std::string>());
  EXPECT_EQ(c.U8(), proof_hex.size());              // n
  EXPECT_EQ(c.Bytes(32), Unhex(v["root_a_in_b"]));  // root_a_in_b
  for (const nlohmann::json& h : proof_hex) EXPECT_EQ(c.Bytes(32), Unhex(h));
  EXPECT_TRUE(c.in.empty()) << c.in.size() << " bytes left";

  auto e = DecodeEvidence(bytes);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->kind, EvidenceKind::kSplitView);
  EXPECT_EQ(e->log_key, v["log_key"].get<std::string>());
  EXPECT_EQ(e->checkpoint_a, v["checkpoint_a"].get<std::string>());
  EXPECT_EQ(e->checkpoint_b, v["checkpoint_b"].get<std::string>());
  EXPECT_EQ(std::string(HashView(e->root_a_in_b)), Unhex(v["root_a_in_b"]));
  ASSERT_EQ(e->consistency_proof.size(), proof_hex.size());
  for (size_t i = 0; i < proof_hex.size(); ++i) {
    EXPECT_EQ(std::string(HashView(e->consistency_proof[i])), Unhex(proof_hex[i])) << i;
  }
  EXPECT_EQ(EncodeEvidence(*e), bytes);

  auto finding = VerifyEvidence(*e);
  ASSERT_TRUE(finding.ok()) << finding.status();
  EXPECT_EQ(finding->origin, "example.org/split-view-vector");
  EXPECT_NE(finding->summary.find("split view"), std::string::npos) << finding->summary;
}

TEST(SplitViewVectorTest, TheProofBeforeTheRootProvesNothing) {
  // The order core/evidence wrote before issue 13: n, proof, root_a_in_b.
  const nlohmann::json v = Vector();
  const std::string bytes = Unhex(v["evidence_hex"]);
  const size_t n = v["consistency_proof"].size();
  const size_t tail = 32 * (n + 1);
  const std::string head = bytes.substr(0, bytes.size() - tail);
  std::string swapped = head;
  for (const nlohmann::json& h : v["consistency_proof"]) swapped += Unhex(h);
  swapped += Unhex(v["root_a_in_b"]);
  ASSERT_EQ(swapped.size(), bytes.size());
  ASSERT_NE(swapped, bytes);
  auto e = DecodeEvidence(swapped);
  ASSERT_TRUE(e.ok()) << e.status();  // same length: it parses...
  auto finding = VerifyEvidence(*e);  // ...but proves nothing
  EXPECT_EQ(finding.status().code(), absl::StatusCode::kInvalidArgument) << finding.status();
}

}  // namespace
}  // namespace keytrail::evidence
