// Writes testdata/batch_lookup_vector.json to stdout (see
// batch_lookup_vector.h):
//   bazel run //log_server:gen_batch_lookup_vector > testdata/batch_lookup_vector.json
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "core/bytes/encoding.h"
#include "log_server/batch_lookup_vector.h"
#include "nlohmann/json.hpp"

int main() {
  std::error_code ec;
  std::string dir = (std::filesystem::temp_directory_path(ec) / "batch_lookup_vector.XXXXXX");
  if (ec || mkdtemp(dir.data()) == nullptr) {
    std::fprintf(stderr, "gen_batch_lookup_vector: can't make a temporary directory\n");
    return 1;
  }
  auto v = keytrail::test::MakeBatchLookupVector(dir + "/log");
  std::filesystem::remove_all(dir, ec);
  if (!v.ok()) {
    std::fprintf(stderr, "gen_batch_lookup_vector: %s\n", v.status().ToString().c_str());
    return 1;
  }
  using keytrail::HexEncode;
  nlohmann::ordered_json j;
  j["comment"] =
      "BatchLookup vector (docs/PROTOCOL.md \"Batch lookups\"): made by keytrail's own log "
      "server code (bazel run //log_server:gen_batch_lookup_vector) on a log of fixed keys, "
      "timestamps and openings: epoch 0, then epoch 1 creating alice, bob and carol "
      "@example.org. batch_lookup_response answers accounts (alice present, mallory absent) "
      "from last_verified_size; log_proof and answers are its fields 1 and 2; "
      "lookup_responses[i] is Lookup(accounts[i], last_verified_size) from the same state, and "
      "equals field 1 (tag 0x0a, length, log_proof) followed by answers[i].";
  j["origin"] = v->origin;
  j["note_verifier_key"] = v->note_verifier_key;
  j["vrf_public_key"] = HexEncode(v->vrf_public_key);
  j["accounts"] = v->accounts;
  j["last_verified_size"] = v->last_verified_size;
  j["tree_size"] = v->tree_size;
  j["batch_lookup_response"] = HexEncode(v->batch_response);
  j["log_proof"] = HexEncode(v->log_proof);
  nlohmann::ordered_json answers = nlohmann::ordered_json::array();
  for (const std::string& a : v->answers) answers.push_back(HexEncode(a));
  j["answers"] = answers;
  nlohmann::ordered_json lookups = nlohmann::ordered_json::array();
  for (const std::string& l : v->lookup_responses) lookups.push_back(HexEncode(l));
  j["lookup_responses"] = lookups;
  std::cout << j.dump(2) << "\n";
  return 0;
}
