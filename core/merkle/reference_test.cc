// The reference is only as good as its agreement with an independent
// implementation: check it against Go's sumdb/tlog before trusting it to
// check the fast code.
#include "core/merkle/reference.h"

#include "core/merkle/test_util.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace merkle {
namespace {

class ReferenceTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<test::TestVectors> v = test::LoadTestVectors();
    ASSERT_TRUE(v.ok()) << v.status();
    v_ = *std::move(v);
    ASSERT_EQ(v_.leaves.size(), 37u);
  }
  absl::Span<const std::string> D(uint64_t n) const {
    return absl::MakeConstSpan(v_.leaves).subspan(0, n);
  }
  test::TestVectors v_;
};

TEST_F(ReferenceTest, MTH) {
  ASSERT_EQ(v_.roots.size(), 38u);
  for (const auto& [size, root] : v_.roots) {
    EXPECT_EQ(reference::MTH(D(size)), root) << "size " << size;
  }
}

TEST_F(ReferenceTest, PATH) {
  ASSERT_EQ(v_.inclusion.size(), 703u);
  for (const test::InclusionVector& t : v_.inclusion) {
    EXPECT_EQ(reference::PATH(t.index, D(t.size)), t.proof) << t.index << " in " << t.size;
  }
}

TEST_F(ReferenceTest, PROOF) {
  ASSERT_EQ(v_.consistency.size(), 703u);
  for (const test::ConsistencyVector& t : v_.consistency) {
    EXPECT_EQ(reference::PROOF(t.size1, D(t.size2)), t.proof) << t.size1 << " -> " << t.size2;
  }
}

}  // namespace
}  // namespace merkle
}  // namespace keytrail
