#include "core/evidence/old_root.h"

#include "gtest/gtest.h"
#include "testing/crafted_log.h"

namespace keytrail::evidence {
namespace {

TEST(OldRootTest, RecoversTheOldRootOfEveryNonPowerOfTwoSize) {
  test::CraftedLog log;
  for (int i = 0; i < 20; ++i) log.Append(std::string("entry ") + std::to_string(i));
  for (uint64_t size1 = 1; size1 < 20; ++size1) {
    for (uint64_t size2 = size1 + 1; size2 <= 20; ++size2) {
      auto root = OldRootFromConsistencyProof(size1, size2, log.ConsistencyProof(size1, size2),
                                              log.RootAt(size2));
      if ((size1 & (size1 - 1)) == 0) {
        EXPECT_EQ(root.status().code(), absl::StatusCode::kInvalidArgument);
        continue;
      }
      ASSERT_TRUE(root.ok()) << size1 << " " << size2 << root.status();
      EXPECT_EQ(*root, log.RootAt(size1));
    }
  }
}

TEST(OldRootTest, RejectsBadProofs) {
  test::CraftedLog log;
  for (int i = 0; i < 10; ++i) log.Append(std::string("entry ") + std::to_string(i));
  std::vector<Hash> proof = log.ConsistencyProof(3, 10);
  EXPECT_FALSE(OldRootFromConsistencyProof(3, 10, proof, log.RootAt(9)).ok());
  proof.pop_back();
  EXPECT_FALSE(OldRootFromConsistencyProof(3, 10, proof, log.RootAt(10)).ok());
  EXPECT_FALSE(OldRootFromConsistencyProof(0, 10, proof, log.RootAt(10)).ok());
  EXPECT_FALSE(OldRootFromConsistencyProof(10, 10, {}, log.RootAt(10)).ok());
}

}  // namespace
}  // namespace keytrail::evidence
