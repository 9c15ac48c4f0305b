#include "log_server/epoch_assembler.h"

#include <string>
#include <vector>

#include "core/protocol/entry.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

std::string Update(uint64_t epoch) { return EncodeEntry(UpdateEntry{Hash{}, 1, epoch, Hash{}}); }
std::string Epoch(uint64_t epoch, uint64_t count) {
  return EncodeEntry(EpochEntry{epoch, 1000 + epoch, Hash{}, count});
}

struct Delivered {
  uint64_t epoch, first_log_index, timestamp_ms;
  size_t updates;
  bool last;
};

TEST(EpochAssemblerTest, CutsEntriesIntoEpochsInOrder) {
  std::vector<Delivered> got;
  // Epoch 3 (two updates) and epoch 4 (none), starting at log index 10.
  const std::vector<std::string> entries = {Update(3), Update(3), Epoch(3, 2), Epoch(4, 0)};
  EpochAssembler a(3, 10, 14, [&](ReplicaEpoch& e, uint64_t ts, bool last) {
    EXPECT_EQ(e.epoch_entry, entries[e.first_log_index - 10 + e.update_entries.size()]);
    got.push_back({e.epoch, e.first_log_index, ts, e.update_entries.size(), last});
    return absl::OkStatus();
  });
  for (size_t i = 0; i < entries.size(); ++i) ASSERT_TRUE(a.Add(entries[i], 10 + i).ok());
  EXPECT_TRUE(a.Finish().ok());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].epoch, 3u);
  EXPECT_EQ(got[0].first_log_index, 10u);
  EXPECT_EQ(got[0].timestamp_ms, 1003u);
  EXPECT_EQ(got[0].updates, 2u);
  EXPECT_FALSE(got[0].last);
  EXPECT_EQ(got[1].epoch, 4u);
  EXPECT_EQ(got[1].first_log_index, 13u);
  EXPECT_EQ(got[1].updates, 0u);
  EXPECT_TRUE(got[1].last);
}

TEST(EpochAssemblerTest, RefusesWhatWouldNameTheWrongObjects) {
  auto none = [](ReplicaEpoch&, uint64_t, bool) { return absl::OkStatus(); };
  {
    EpochAssembler a(3, 0, 10, none);
    absl::Status s = a.Add(Epoch(5, 0), 0);  // another epoch than the next
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("epoch 3 is next"), absl::string_view::npos) << s;
  }
  {
    EpochAssembler a(3, 0, 10, none);
    ASSERT_TRUE(a.Add(Update(3), 0).ok());
    absl::Status s = a.Add(Epoch(3, 2), 1);  // counts two, one precedes it
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("entry 1"), absl::string_view::npos) << s;
  }
  {
    EpochAssembler a(3, 0, 10, none);
    EXPECT_EQ(a.Add("\x01", 0).code(), absl::StatusCode::kInvalidArgument);  // truncated
  }
  {
    EpochAssembler a(3, 0, 2, none);
    ASSERT_TRUE(a.Add(Update(3), 0).ok());
    EXPECT_EQ(a.Finish().code(), absl::StatusCode::kInvalidArgument);  // ends inside an epoch
  }
  {
    EpochAssembler a(
        3, 0, 1, [](ReplicaEpoch&, uint64_t, bool) { return absl::UnavailableError("sink down"); });
    EXPECT_EQ(a.Add(Epoch(3, 0), 0).code(), absl::StatusCode::kUnavailable);
  }
}

}  // namespace
}  // namespace keytrail
