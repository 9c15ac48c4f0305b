#include "log_server/real_epoch_log_fixture.h"

#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "log_server/records.h"
#include "proto/keytrail.pb.h"

namespace keytrail {
namespace test {

void RealEpochLogTest::SetUp() {
  const char* base = std::getenv("TEST_TMPDIR");
  dir_ = std::string(base ? base : "/tmp") + "/" +
         testing::UnitTest::GetInstance()->current_test_info()->name();
  signer_ = note::Ed25519NoteSigner::Generate(origin_).value();
  LogConfig config;
  config.origin = signer_->name();
  config.note_verifier_key = signer_->VerifierKey();
  config.vrf_public_key = vrf_.public_key().bytes();
  auto storage = LogStorage::Open(dir_, 8 << 20);
  ASSERT_TRUE(storage.ok()) << storage.status();
  storage_ = *std::move(storage);
  auto builder = EpochBuilder::Open(storage_.get(), config, *signer_, [this] { return now_ms_; });
  ASSERT_TRUE(builder.ok()) << builder.status();
  builder_ = *std::move(builder);
  sizes_.push_back(builder_->published()->log.tree_size);
}

PreparedUpdate RealEpochLogTest::Update(const std::string& account, const KeySet& key_set) const {
  PreparedUpdate u;
  u.account = account;
  u.account_record.vrf_proof = vrf_.Prove(u.account);
  u.account_record.index = VrfProofToHash(u.account_record.vrf_proof).value();
  u.key_set = EncodeKeySet(key_set).value();
  return u;
}

std::shared_ptr<const PublishedState> RealEpochLogTest::Epoch(
    const std::vector<PreparedUpdate>& updates) {
  now_ms_ += 1000;
  auto result = builder_->BuildEpoch(updates);
  EXPECT_TRUE(result.ok()) << result.status();
  sizes_.push_back(builder_->published()->log.tree_size);
  holder_.Set(builder_->published());
  return builder_->published();
}

std::string RealEpochLogTest::LookupAnswer(const LogQueries& queries, const std::string& account,
                                           uint64_t last_verified_size) {
  v1::LookupRequest request;
  request.set_account(account);
  request.set_last_verified_size(last_verified_size);
  v1::LookupResponse response;
  absl::Status s = queries.Lookup(request, &response);
  return absl::StrCat(s.ToString(), "|", response.SerializeAsString());
}

}  // namespace test
}  // namespace keytrail
