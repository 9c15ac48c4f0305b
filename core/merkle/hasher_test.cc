#include "core/merkle/hasher.h"

#include <string>

#include "core/crypto/sha256.h"
#include "core/merkle/test_util.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace merkle {
namespace {

TEST(HasherTest, DomainSeparatedSha256) {
  const Hash a = Sha256Of("a");
  const Hash b = Sha256Of("b");
  EXPECT_EQ(HashLeaf("leaf 0"), Sha256Of(std::string("\x00leaf 0", 7)));
  EXPECT_EQ(HashLeaf(""), Sha256Of(std::string(1, '\x00')));
  EXPECT_EQ(HashChildren(a, b), Sha256Of("\x01" + HashString(a) + HashString(b)));
  EXPECT_NE(HashChildren(a, b), HashChildren(b, a));
  EXPECT_EQ(EmptyRoot(), Sha256Of(""));
}

// The roots of the one- and two-leaf trees in Go's vectors exercise the
// leaf and node hash alone; the empty tree's the empty root.
TEST(HasherTest, MatchesGoSumdbTlog) {
  absl::StatusOr<test::TestVectors> v = test::LoadTestVectors();
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_GE(v->leaves.size(), 2u);
  EXPECT_EQ(EmptyRoot(), v->roots.at(0));
  EXPECT_EQ(HashLeaf(v->leaves[0]), v->roots.at(1));
  EXPECT_EQ(HashChildren(HashLeaf(v->leaves[0]), HashLeaf(v->leaves[1])), v->roots.at(2));
}

}  // namespace
}  // namespace merkle
}  // namespace keytrail
