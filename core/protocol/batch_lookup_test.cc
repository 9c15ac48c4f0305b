#include "core/protocol/batch_lookup.h"

#include <string>

#include "gtest/gtest.h"
#include "proto/keytrail.pb.h"

namespace keytrail {
namespace {

// The prefix and an answer make exactly the LookupResponse with the same
// fields, with and without a current version, and the prefix is field 1:
// tag 0x0a, the length, the log proof's bytes.
TEST(LookupAnswerPrefixTest, PrefixAndAnswerAreTheLookupResponse) {
  v1::LogProof log;
  log.set_checkpoint("example.org/log\n5\nroot\n\n— example.org/log sig\n");
  log.set_consistency_proof(std::string(64, 'c'));
  log.set_epoch_entry(std::string(74, 'e'));
  log.set_epoch_inclusion_proof(std::string(96, 'i'));
  const std::string prefix = LookupAnswerPrefix(log);
  const std::string body = log.SerializeAsString();
  ASSERT_GT(body.size(), 127u);  // a two-byte length
  EXPECT_EQ(prefix, std::string("\x0a") + static_cast<char>(0x80 | (body.size() & 0x7f)) +
                        static_cast<char>(body.size() >> 7) + body);

  for (bool present : {true, false}) {
    v1::AccountAnswer answer;
    answer.set_vrf_proof(std::string(81, 'v'));
    answer.set_map_proof(std::string(700, 'm'));
    v1::LookupResponse want;
    *want.mutable_log() = log;
    want.set_vrf_proof(answer.vrf_proof());
    want.set_map_proof(answer.map_proof());
    if (present) {
      v1::AccountVersion* v = answer.mutable_current();
      v->set_version(3);
      v->set_epoch(2);
      v->set_key_set("key set");
      v->set_opening(std::string(32, 'o'));
      v->set_log_index(4);
      answer.set_previous_head(std::string(32, 'h'));
      *want.mutable_current() = answer.current();
      want.set_previous_head(answer.previous_head());
    }
    EXPECT_EQ(prefix + answer.SerializeAsString(), want.SerializeAsString()) << present;
  }
  // An empty log proof is still field 1, empty.
  EXPECT_EQ(LookupAnswerPrefix(v1::LogProof()), std::string("\x0a\x00", 2));
}

}  // namespace
}  // namespace keytrail
