#include "core/merkle/test_util.h"

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/merkle/hasher.h"
#include "nlohmann/json.hpp"

namespace keytrail {
namespace test {
namespace {

constexpr char kVectorsPath[] = "testdata/rfc6962_tlog_and_notes.json";

absl::StatusOr<Hash> HexHash(const nlohmann::json& j) {
  if (!j.is_string()) return absl::InvalidArgumentError("hash is not a string");
  absl::StatusOr<std::string> bytes = HexDecode(j.get<std::string>(), "hash");
  if (!bytes.ok()) return bytes.status();
  Hash h;
  if (!HashFromBytes(*bytes, &h)) {
    return absl::InvalidArgumentError("hash is not 32 bytes");
  }
  return h;
}

absl::StatusOr<std::vector<Hash>> HexProof(const nlohmann::json& e) {
  if (!e.contains("proof")) return absl::InvalidArgumentError("no proof");
  const nlohmann::json& j = e["proof"];
  std::vector<Hash> proof;
  if (j.is_null()) return proof;  // Go's nil slice: the empty proof
  if (!j.is_array()) return absl::InvalidArgumentError("proof is not a list");
  for (const nlohmann::json& e : j) {
    absl::StatusOr<Hash> h = HexHash(e);
    if (!h.ok()) return h.status();
    proof.push_back(*h);
  }
  return proof;
}

absl::StatusOr<uint64_t> Uint(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_unsigned()) {
    return absl::InvalidArgumentError(absl::StrCat("bad field ", key));
  }
  return j[key].get<uint64_t>();
}

}  // namespace

absl::StatusOr<std::vector<Hash>> MemoryHashSource::GetNodes(absl::Span<const merkle::NodeId> ids) {
  ++calls_;
  if (!fail_with.ok()) return fail_with;
  std::vector<Hash> out;
  out.reserve(ids.size());
  for (const merkle::NodeId& id : ids) {
    auto it = nodes_.find(id);
    if (it == nodes_.end()) {
      return absl::NotFoundError(absl::StrCat("no node ", id.ToString()));
    }
    out.push_back(it->second);
  }
  return out;
}

std::string LeafData(uint64_t i) { return absl::StrCat("leaf ", i); }

TestTree::TestTree(uint64_t n) {
  leaves.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    leaves.push_back(LeafData(i));
    range.Append(merkle::HashLeaf(leaves.back()), source.Recorder());
  }
}

absl::StatusOr<TestVectors> LoadTestVectors() {
  std::ifstream in(kVectorsPath);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", kVectorsPath));
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(kVectorsPath, ": bad JSON"));
  }
  TestVectors v;
  if (!j.contains("leaves") || !j["leaves"].is_array()) {
    return absl::InvalidArgumentError("no leaves");
  }
  for (const nlohmann::json& leaf : j["leaves"]) {
    if (!leaf.is_string()) return absl::InvalidArgumentError("bad leaf");
    absl::StatusOr<std::string> data = HexDecode(leaf.get<std::string>());
    if (!data.ok()) return data.status();
    v.leaves.push_back(*data);
  }
  if (!j.contains("roots") || !j["roots"].is_object()) {
    return absl::InvalidArgumentError("no roots");
  }
  for (const auto& item : j["roots"].items()) {
    absl::StatusOr<Hash> root = HexHash(item.value());
    if (!root.ok()) return root.status();
    uint64_t size;
    if (!absl::SimpleAtoi(item.key(), &size)) {
      return absl::InvalidArgumentError("bad root size");
    }
    v.roots[size] = *root;
  }
  for (const nlohmann::json& e : j.value("inclusion", nlohmann::json::array())) {
    absl::StatusOr<uint64_t> index = Uint(e, "index");
    absl::StatusOr<uint64_t> size = Uint(e, "size");
    if (!index.ok()) return index.status();
    if (!size.ok()) return size.status();
    absl::StatusOr<std::vector<Hash>> proof = HexProof(e);
    if (!proof.ok()) return proof.status();
    v.inclusion.push_back({*index, *size, *std::move(proof)});
  }
  for (const nlohmann::json& e : j.value("consistency", nlohmann::json::array())) {
    absl::StatusOr<uint64_t> size1 = Uint(e, "size1");
    absl::StatusOr<uint64_t> size2 = Uint(e, "size2");
    if (!size1.ok()) return size1.status();
    if (!size2.ok()) return size2.status();
    absl::StatusOr<std::vector<Hash>> proof = HexProof(e);
    if (!proof.ok()) return proof.status();
    v.consistency.push_back({*size1, *size2, *std::move(proof)});
  }
  return v;
}

}  // namespace test
}  // namespace keytrail
