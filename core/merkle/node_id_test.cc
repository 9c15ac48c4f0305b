#include "core/merkle/node_id.h"

#include <sstream>

#include "gtest/gtest.h"

namespace keytrail {
namespace merkle {
namespace {

TEST(NodeIdTest, Coverage) {
  EXPECT_EQ((NodeId{0, 5}.begin()), 5u);
  EXPECT_EQ((NodeId{0, 5}.end()), 6u);
  EXPECT_EQ((NodeId{3, 2}.begin()), 16u);
  EXPECT_EQ((NodeId{3, 2}.end()), 24u);
  EXPECT_EQ((NodeId{63, 0}.end()), uint64_t{1} << 63);
}

TEST(NodeIdTest, CompleteIn) {
  EXPECT_FALSE((NodeId{0, 0}.CompleteIn(0)));
  EXPECT_TRUE((NodeId{0, 6}.CompleteIn(7)));
  EXPECT_FALSE((NodeId{0, 7}.CompleteIn(7)));
  EXPECT_TRUE((NodeId{2, 1}.CompleteIn(8)));
  EXPECT_FALSE((NodeId{2, 1}.CompleteIn(7)));  // leaves 4..7, 7 missing
  EXPECT_TRUE((NodeId{63, 0}.CompleteIn(~uint64_t{0})));
  EXPECT_FALSE((NodeId{63, 1}.CompleteIn(~uint64_t{0})));
  EXPECT_FALSE((NodeId{64, 0}.CompleteIn(~uint64_t{0})));  // no such level
}

TEST(NodeIdTest, CompareAndPrint) {
  EXPECT_EQ((NodeId{1, 2}), (NodeId{1, 2}));
  EXPECT_NE((NodeId{1, 2}), (NodeId{2, 1}));
  EXPECT_LT((NodeId{0, 9}), (NodeId{1, 0}));
  EXPECT_LT((NodeId{1, 0}), (NodeId{1, 1}));
  std::ostringstream os;
  os << NodeId{4, 17};
  EXPECT_EQ(os.str(), "(4, 17)");
}

}  // namespace
}  // namespace merkle
}  // namespace keytrail
