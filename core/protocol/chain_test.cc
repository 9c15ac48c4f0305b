#include "core/protocol/chain.h"

#include <string>

#include "core/bytes/encoding.h"
#include "core/crypto/sha256.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

Hash HashOfHex(absl::string_view hex) { return HashFromView(HexDecode(hex).value()); }

// Commitments c1 and c3 of commitment_test's GoldenValues.
const char kC1[] = "e6454ea3846a3d0b4bae1ee17da04971456d66869db05978568cc988029a0188";
const char kC3[] = "fa918150b663021248cd82b917c6710f5e8932a027f05d14c0cac4515b98f323";

TEST(ChainTest, GenesisHeadIsZeros) {
  EXPECT_EQ(HexEncode(HashView(GenesisHead())), std::string(64, '0'));
}

// Golden values: output of core/protocol/testdata/protocol_golden.py
// (Python hashlib, sharing no code with keytrail).
TEST(ChainTest, GoldenHeads) {
  Hash head1 = ChainHead(GenesisHead(), 1, 7, HashOfHex(kC1));
  EXPECT_EQ(HexEncode(HashView(head1)),
            "a3cd32560a54d8ad70e6c8ce4d55a7578513b599780961e7b3d465da47fe4223");
  Hash head2 = ChainHead(head1, 2, 0x0102030405060708, HashOfHex(kC3));
  EXPECT_EQ(HexEncode(HashView(head2)),
            "88ff6ce4fd4b0243d7d151e5a1751174273d16f3192e16d69434cb82d233fc6c");
}

TEST(ChainTest, IsTheHashOfTheSpelledOutBytes) {
  Hash previous, commitment;
  previous.fill(0x11);
  commitment.fill(0x22);
  std::string bytes = std::string("\x20", 1) + HashString(previous) +
                      std::string("\0\0\0\0\0\0\0\x03", 8) +    // version
                      std::string("\0\0\0\0\0\0\x01\x00", 8) +  // epoch
                      HashString(commitment);
  EXPECT_EQ(ChainHead(previous, 3, 256, commitment), Sha256Of(bytes));
}

TEST(ChainTest, EveryInputChangesTheHead) {
  Hash previous{}, commitment{};
  Hash base = ChainHead(previous, 1, 1, commitment);
  Hash other_previous = previous;
  other_previous[0] = 1;
  Hash other_commitment = commitment;
  other_commitment[31] = 1;
  EXPECT_NE(ChainHead(other_previous, 1, 1, commitment), base);
  EXPECT_NE(ChainHead(previous, 2, 1, commitment), base);
  EXPECT_NE(ChainHead(previous, 1, 2, commitment), base);
  EXPECT_NE(ChainHead(previous, 1, 1, other_commitment), base);
  // Version and epoch are not interchangeable.
  EXPECT_NE(ChainHead(previous, 1, 2, commitment), ChainHead(previous, 2, 1, commitment));
}

}  // namespace
}  // namespace keytrail
