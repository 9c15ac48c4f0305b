#include "testing/log_checks.h"

#include "core/protocol/entry.h"
#include "gtest/gtest.h"

namespace keytrail::test {
namespace {

std::string Update(uint64_t epoch) { return EncodeEntry(UpdateEntry{Hash{}, 1, epoch, Hash{}}); }
std::string Epoch(uint64_t epoch, uint64_t updates) {
  return EncodeEntry(EpochEntry{epoch, 1000, Hash{}, updates});
}

TEST(CheckWholeEpochsTest, AcceptsWholeEpochsAndNamesTheFirstBreak) {
  std::vector<std::string> good = {Epoch(0, 0), Update(1), Update(1), Epoch(1, 2), Epoch(2, 0)};
  EXPECT_TRUE(CheckWholeEpochs(good).ok());

  std::vector<std::string> open_end = {Epoch(0, 0), Update(1)};
  EXPECT_FALSE(CheckWholeEpochs(open_end).ok());
  std::vector<std::string> wrong_count = {Epoch(0, 0), Update(1), Epoch(1, 2)};
  EXPECT_FALSE(CheckWholeEpochs(wrong_count).ok());
  std::vector<std::string> skipped = {Epoch(0, 0), Epoch(2, 0)};
  EXPECT_FALSE(CheckWholeEpochs(skipped).ok());
  std::vector<std::string> stray = {Epoch(0, 0), Update(2), Epoch(1, 1)};
  absl::Status s = CheckWholeEpochs(stray);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("entry 1"), absl::string_view::npos) << s;
  std::vector<std::string> garbage = {Epoch(0, 0), "junk"};
  EXPECT_FALSE(CheckWholeEpochs(garbage).ok());
}

}  // namespace
}  // namespace keytrail::test
