// Prints core/protocol/testdata/key_set_signature_vectors.json: key sets
// signed by keytrail's SignKeySet, the exact message each signature covers,
// and the replays the signature must refuse (a removed device re-added with
// an old signature, an older key set republished at a later version).
// check_vectors.py recomputes every message with Python's struct and checks
// every signature with the `cryptography` package; key_set_test reads the
// file back.
//
// Run from the workspace root (one command):
//   bazel run //core/protocol/testdata:make_key_set_signature_vectors >
//   core/protocol/testdata/key_set_signature_vectors.json
#include <cstdint>
#include <iostream>
#include <string>

#include "core/bytes/encoding.h"
#include "core/crypto/ed25519.h"
#include "core/protocol/key_set.h"
#include "nlohmann/json.hpp"

namespace keytrail {
namespace {

KeySet Devices(std::initializer_list<std::pair<std::string, std::string>> d) {
  KeySet ks;
  for (const auto& [id, key] : d) ks.devices.push_back(Device{id, key});
  SortDevices(&ks);
  return ks;
}

KeySet Sign(const Ed25519PrivateKey& key, const std::string& account, uint64_t version, KeySet ks) {
  if (!SignKeySet(key, account, version, &ks).ok()) std::abort();
  return ks;
}

nlohmann::json Vector(const std::string& name, const std::string& seed, const std::string& account,
                      uint64_t version, const KeySet& ks) {
  nlohmann::json j;
  j["name"] = name;
  j["seed"] = HexEncode(seed);
  j["account"] = HexEncode(account);
  j["version"] = version;
  j["key_set"] = HexEncode(EncodeKeySet(ks).value());
  j["message"] = HexEncode(KeySetSignatureMessage(account, version, ks).value());
  j["valid"] = VerifyKeySetSignature(account, version, ks).ok();
  return j;
}

int Main() {
  const std::string seed(32, '\x07');
  const Ed25519PrivateKey key = Ed25519PrivateKey::FromSeed(seed).value();
  const std::string alice = "alice@example.com";
  nlohmann::json vectors = nlohmann::json::array();

  const KeySet v1 =
      Sign(key, alice, 1, Devices({{"laptop", "\xaa\xbb"}, {"phone", "\x01\x02\x03"}}));
  const KeySet v2 = Sign(key, alice, 2, Devices({{"phone", "\x01\x02\x03"}}));
  vectors.push_back(Vector("version 1: laptop and phone", seed, alice, 1, v1));
  vectors.push_back(Vector("version 2: the laptop removed", seed, alice, 2, v2));
  // Replays: the server re-adds the laptop at version 3 (the only key set
  // with the laptop it has is version 1's), or republishes version 2's.
  vectors.push_back(
      Vector("replay: version 1's key set (laptop re-added) as version 3", seed, alice, 3, v1));
  vectors.push_back(
      Vector("replay: version 2's key set republished as version 3", seed, alice, 3, v2));
  // The largest account id and version, a post-quantum-sized key.
  std::string big_key(1568, '\0');
  for (size_t i = 0; i < big_key.size(); ++i) big_key[i] = static_cast<char>(i * 7);
  const std::string big_account(256, '\xfe');
  vectors.push_back(Vector("largest account id and version, a 1568-byte key", seed, big_account,
                           UINT64_MAX,
                           Sign(key, big_account, UINT64_MAX,
                                Devices({{"pq", big_key}, {std::string("\x00\xff", 2), "\x01"}}))));
  // A signature by another key under the account key of seed 07*32.
  const std::string other_seed(32, '\x08');
  KeySet forged = Sign(Ed25519PrivateKey::FromSeed(other_seed).value(), alice, 4,
                       Devices({{"phone", "\x01\x02\x03"}, {"rogue", "\x66"}}));
  forged.account_key = key.public_key().bytes();
  vectors.push_back(Vector("signed by another key (seed 08*32)", seed, alice, 4, forged));

  nlohmann::json out;
  out["description"] =
      "keytrail key set signatures (docs/PROTOCOL.md, \"Key set\"). Each vector: the "
      "Ed25519 seed of the account key, account id (hex), version, canonical key set "
      "(hex, signature last), the message the signature must cover for that account "
      "and version, and whether the signature verifies over it. Made by "
      "make_key_set_signature_vectors.cc, recomputed by check_vectors.py.";
  out["context"] = HexEncode(std::string("keytrail key-set v1\0", 20));
  out["vectors"] = vectors;
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace
}  // namespace keytrail

int main() { return keytrail::Main(); }
