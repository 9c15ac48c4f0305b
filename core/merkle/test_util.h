// TEST ONLY. Helpers shared by the core/merkle tests: an in-memory HashSource
// filled from CompactRange's callback, a test tree of "leaf <i>" entries, and
// the reference vectors in //testdata:rfc6962_tlog_and_notes.json (made by
// Go's golang.org/x/mod/sumdb/tlog). Not thread-safe.
#ifndef KEYTRAIL_CORE_MERKLE_TEST_UTIL_H_
#define KEYTRAIL_CORE_MERKLE_TEST_UTIL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/crypto/sha256.h"
#include "core/merkle/compact_range.h"
#include "core/merkle/hash_source.h"
#include "core/merkle/node_id.h"

namespace keytrail {
namespace test {

// Every node ever Put, in a map. GetNodes returns NotFound for a node never
// Put, or `fail_with` when that is set (to test error pass-through).
class MemoryHashSource : public merkle::HashSource {
 public:
  void Put(merkle::NodeId id, const Hash& hash) { nodes_[id] = hash; }
  // A callback for merkle::CompactRange::Append that Puts each completed node.
  merkle::CompactRange::NodeCallback Recorder() {
    return [this](merkle::NodeId id, const Hash& h) { Put(id, h); };
  }
  absl::StatusOr<std::vector<Hash>> GetNodes(absl::Span<const merkle::NodeId> ids) override;

  const std::map<merkle::NodeId, Hash>& nodes() const { return nodes_; }
  int calls() const { return calls_; }
  absl::Status fail_with;

 private:
  std::map<merkle::NodeId, Hash> nodes_;
  int calls_ = 0;
};

// "leaf <i>": leaf i of the vectors' tree (and of the tests' random trees).
std::string LeafData(uint64_t i);

// A log of LeafData(0 .. n-1): the data (for the reference code), a
// merkle::CompactRange over it, and a source holding every complete node.
struct TestTree {
  explicit TestTree(uint64_t n);
  std::vector<std::string> leaves;
  merkle::CompactRange range;
  MemoryHashSource source;
};

struct InclusionVector {
  uint64_t index;
  uint64_t size;
  std::vector<Hash> proof;
};
struct ConsistencyVector {
  uint64_t size1;
  uint64_t size2;
  std::vector<Hash> proof;
};
struct TestVectors {
  std::vector<std::string> leaves;  // decoded from hex
  std::map<uint64_t, Hash> roots;   // tree size -> root
  std::vector<InclusionVector> inclusion;
  std::vector<ConsistencyVector> consistency;
};

// Reads and decodes the vectors from the runfiles path
// testdata/rfc6962_tlog_and_notes.json. A JSON `null` proof is the empty
// proof. InvalidArgument/NotFound if the file is missing or malformed.
absl::StatusOr<TestVectors> LoadTestVectors();

}  // namespace test
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_MERKLE_TEST_UTIL_H_
