// TEST-ONLY. A gtest fixture base for the log_server tests that need a log of
// real epochs: an EpochBuilder on a RocksDB LogStorage in TEST_TMPDIR (or /tmp)
// under a directory named after the running test, signed by a fresh Ed25519
// note signer, with a fresh VRF key and a test clock that each epoch moves on
// by one second.
//
// SetUp() opens the storage and the builder (genesis is then published, and
// its tree size is sizes_[0]); a failure there is a fatal gtest failure of
// the test. Update() makes a PreparedUpdate (the account's VRF proof and
// index, the encoded key set; no expected version); Epoch() builds one epoch
// of updates, records its tree size in sizes_, and sets holder_ to the new
// state (so LogQueries built on holder_ answer from it). A failed epoch is a
// non-fatal test failure.
//
// Ownership: the fixture owns the signer, the VRF key, the storage and the
// builder; the builder keeps its own copy of the signer and borrows the
// storage and the clock (now_ms_), both declared before it and so outliving
// it. Not thread-safe: use it from the test's thread (what a test hands to
// other threads is its own concern).
#ifndef KEYTRAIL_LOG_SERVER_REAL_EPOCH_LOG_FIXTURE_H_
#define KEYTRAIL_LOG_SERVER_REAL_EPOCH_LOG_FIXTURE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/ecvrf.h"
#include "core/note/note.h"
#include "core/protocol/key_set.h"
#include "gtest/gtest.h"
#include "log_server/epoch_builder.h"
#include "log_server/log_queries.h"
#include "log_server/log_storage.h"
#include "log_server/prepared_update.h"
#include "log_server/published_state.h"

namespace keytrail {
namespace test {

class RealEpochLogTest : public testing::Test {
 protected:
  // `origin`: the log's name, the note signer's key name.
  explicit RealEpochLogTest(std::string origin) : origin_(std::move(origin)) {}

  void SetUp() override;

  // A PreparedUpdate of `account` to `key_set` (with the account's VRF proof
  // and index under vrf_). Never fails: aborts if the key set cannot be
  // encoded, which only a test's own bad data causes.
  PreparedUpdate Update(const std::string& account, const KeySet& key_set) const;

  // One epoch of `updates` at the clock's next second; appends the new tree
  // size to sizes_ and sets holder_ to the published state, which it returns.
  std::shared_ptr<const PublishedState> Epoch(const std::vector<PreparedUpdate>& updates);

  // `queries`' Lookup answer for `account` from `last_verified_size`, as
  // "<status>|<serialized LookupResponse>", so two answers compare as one
  // string (status and bytes).
  static std::string LookupAnswer(const LogQueries& queries, const std::string& account,
                                  uint64_t last_verified_size);

  const std::string origin_;
  VrfPrivateKey vrf_ = VrfPrivateKey::Generate();
  std::optional<note::Ed25519NoteSigner> signer_;
  std::string dir_;
  uint64_t now_ms_ = 1764300000000;
  // The tree size after genesis, then after each Epoch().
  std::vector<uint64_t> sizes_;
  std::unique_ptr<LogStorage> storage_;
  std::unique_ptr<EpochBuilder> builder_;
  // The served state: the newest Epoch()'s.
  StateHolder holder_;
};

}  // namespace test
}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_REAL_EPOCH_LOG_FIXTURE_H_
