#include "core/witness/add_checkpoint.h"

#include <string>

#include "absl/status/status.h"
#include "core/bytes/encoding.h"
#include "core/merkle/hasher.h"
#include "gtest/gtest.h"

namespace keytrail::witness {
namespace {

const char kNote[] =
    "example.com/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
    "\xE2\x80\x94 example.com/log AAAAAQID\n";

Hash HashOf(uint8_t b) {
  Hash h;
  h.fill(b);
  return h;
}

TEST(AddCheckpointTest, RoundTrip) {
  const std::vector<Hash> proof = {HashOf(1), HashOf(2)};
  const std::string body = FormatAddCheckpointRequest(20852014, proof, kNote);
  EXPECT_EQ(body.substr(0, 13), "old 20852014\n");
  absl::StatusOr<AddCheckpointRequest> r = ParseAddCheckpointRequest(body);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->old_size, 20852014u);
  EXPECT_EQ(r->proof, proof);
  EXPECT_EQ(r->checkpoint, kNote);
}

TEST(AddCheckpointTest, EmptyProofAndZero) {
  absl::StatusOr<AddCheckpointRequest> r =
      ParseAddCheckpointRequest(std::string("old 0\n\n") + kNote);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->old_size, 0u);
  EXPECT_TRUE(r->proof.empty());
}

TEST(AddCheckpointTest, MaxProofLinesAccepted) {
  const std::vector<Hash> proof(kMaxProofLines, HashOf(7));
  EXPECT_TRUE(ParseAddCheckpointRequest(FormatAddCheckpointRequest(1, proof, kNote)).ok());
}

TEST(AddCheckpointTest, RejectsMalformed) {
  const std::string b64 = Base64Encode(std::string(32, 'x'));
  std::string too_many = "old 1\n";
  for (size_t i = 0; i <= kMaxProofLines; ++i) too_many += b64 + "\n";
  too_many += std::string("\n") + kNote;
  const std::string bad[] = {
      "",                                                   // nothing
      "old 1",                                              // no newline
      std::string("old 01\n\n") + kNote,                    // leading zero
      std::string("old -1\n\n") + kNote,                    // sign
      std::string("old +1\n\n") + kNote,                    // sign
      std::string("old  1\n\n") + kNote,                    // two spaces
      std::string("old 1 \n\n") + kNote,                    // trailing space
      std::string("Old 1\n\n") + kNote,                     // case
      std::string("old\n\n") + kNote,                       // no size
      std::string("old 18446744073709551616\n\n") + kNote,  // 2^64
      std::string("old 1\r\n\n") + kNote,                   // CR
      std::string("old 1\n") + kNote,                       // no blank line...
      "old 1\n\n",                                          // no checkpoint
      "old 1\n" + b64 + "\n",                               // no blank line
      "old 1\n" + b64.substr(0, 43) + "\n\n" + kNote,       // short line
      "old 1\n" + b64 + "=\n\n" + kNote,                    // long line
      "old 1\n" + b64 + " \n\n" + kNote,                    // trailing space
      "old 1\n" + Base64Encode(std::string(31, 'x')) + "A\n\n" + kNote,
      "old 1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n\n" +
          std::string(kNote),  // non-canonical base64 (unused bits set)
      "old 1\n!AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n" + std::string(kNote),  // not base64
      too_many,
      "old 1\n\n" + std::string(kMaxAddCheckpointBody, 'a'),  // too big
  };
  for (const std::string& body : bad) {
    absl::StatusOr<AddCheckpointRequest> r = ParseAddCheckpointRequest(body);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << "accepted: " << body;
  }
}

TEST(AddCheckpointTest, NoBlankLineMeansCheckpointLinesReadAsProof) {
  // Without the blank line the checkpoint's origin line is taken as a proof
  // line, which is not a hash: rejected rather than misread.
  EXPECT_FALSE(ParseAddCheckpointRequest(std::string("old 1\n") + kNote).ok());
}

TEST(TlogSizeTest, RoundTrip) {
  EXPECT_EQ(FormatTlogSize(42), "42\n");
  EXPECT_EQ(*ParseTlogSize("42\n"), 42u);
  EXPECT_EQ(*ParseTlogSize("0\n"), 0u);
  EXPECT_EQ(*ParseTlogSize("18446744073709551615\n"), UINT64_MAX);
}

TEST(TlogSizeTest, RejectsMalformed) {
  for (const char* bad : {"", "\n", "42", "042\n", "42\n\n", "42 \n", " 42\n", "-1\n", "4a\n",
                          "42\r\n", "18446744073709551616\n", "123456789012345678901\n"}) {
    EXPECT_EQ(ParseTlogSize(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(SignatureLinesTest, AcceptsLines) {
  EXPECT_TRUE(CheckSignatureLines("\xE2\x80\x94 w AAAA\n").ok());
  EXPECT_TRUE(CheckSignatureLines("\xE2\x80\x94 w AAAA\n\xE2\x80\x94 v BBBB\n").ok());
}

TEST(SignatureLinesTest, RejectsMalformed) {
  std::string many;
  for (int i = 0; i < 101; ++i) many += "\xE2\x80\x94 w AAAA\n";
  for (const std::string& bad :
       {std::string(""), std::string("\xE2\x80\x94 w AAAA"), std::string("\n"),
        std::string("- w AAAA\n"), std::string("\xE2\x80\x94 w AAAA\n\n"),
        std::string("\xE2\x80\x94w AAAA\n"), many, std::string(kMaxCosignatureResponse + 1, 'a')}) {
    EXPECT_EQ(CheckSignatureLines(bad).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(CheckExtendsTest, EachRuleOfTheSpec) {
  const Hash a = merkle::HashLeaf("a");
  const Hash b = merkle::HashLeaf("b");
  const Hash root2 = merkle::HashChildren(a, b);
  const Hash empty = merkle::EmptyRoot();
  // Extends: from nothing, from the same tree, by a valid proof (1 -> 2).
  EXPECT_TRUE(CheckExtends(0, Hash{}, 0, empty, {}).ok());
  EXPECT_TRUE(CheckExtends(0, Hash{}, 2, root2, {}).ok());
  EXPECT_TRUE(CheckExtends(2, root2, 2, root2, {}).ok());
  EXPECT_TRUE(CheckExtends(1, a, 2, root2, {b}).ok());
  // Same size, another root: a fork (409).
  EXPECT_EQ(CheckExtends(2, root2, 2, HashOf(7), {}).code(), absl::StatusCode::kFailedPrecondition);
  // Bad proofs (422).
  EXPECT_EQ(CheckExtends(0, Hash{}, 0, HashOf(7), {}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckExtends(0, Hash{}, 2, root2, {b}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckExtends(2, root2, 2, root2, {a}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckExtends(1, a, 2, root2, {a}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckExtends(1, b, 2, root2, {b}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckExtends(1, a, 2, root2, {}).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keytrail::witness
