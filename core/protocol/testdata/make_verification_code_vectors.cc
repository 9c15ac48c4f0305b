// Prints core/protocol/testdata/verification_code_vectors.json: keytrail's
// own verification codes for a few accounts and pairs, with each account's
// identity bytes. check_vectors.py recomputes every value with
// Python's hashlib alone; verification_code_test reads the file back.
//
// Run from the workspace root (one command):
//   bazel run //core/protocol/testdata:make_verification_code_vectors >
//   core/protocol/testdata/verification_code_vectors.json
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/bytes/encoding.h"
#include "core/bytes/reader.h"
#include "core/crypto/sha256.h"
#include "core/protocol/key_set.h"
#include "core/protocol/verification_code.h"
#include "nlohmann/json.hpp"

namespace keytrail {
namespace {

struct Account {
  std::string account;
  KeySet key_set;
};

std::string Pattern(size_t n, uint8_t start) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(start + i);
  return s;
}

std::vector<Account> Accounts() {
  std::vector<Account> out;
  // With an account key: only the key counts (devices and the signature are
  // placeholders; nothing here verifies them).
  KeySet alice;
  alice.account_key = Pattern(32, 1);
  alice.devices = {Device{"phone", Pattern(32, 0x40)}};
  alice.signature = std::string(64, 'Z');
  out.push_back({"alice@example.com", alice});
  // Without: every device id and key.
  KeySet bob;
  bob.devices = {Device{"laptop", Pattern(32, 0x80)}, Device{"phone", Pattern(1184, 0x10)}};
  out.push_back({"bob@example.com", bob});
  // The largest account id, with arbitrary bytes.
  KeySet carol;
  carol.devices = {Device{std::string("\x00\xff", 2), "\x01"}};
  out.push_back({std::string(256, '\xff'), carol});
  // Bob's key set under another account: a different code.
  out.push_back({"bob@example.org", bob});
  return out;
}

int Main() {
  nlohmann::json accounts = nlohmann::json::array();
  std::vector<Account> all = Accounts();
  for (const Account& a : all) {
    std::string identity = *VerificationIdentity(a.account, a.key_set);
    nlohmann::json j;
    j["account"] = HexEncode(a.account);
    j["key_set"] = HexEncode(*EncodeKeySet(a.key_set));
    j["identity"] = HexEncode(identity);
    j["code"] = *AccountVerificationCode(a.account, a.key_set);
    accounts.push_back(j);
  }
  nlohmann::json pairs = nlohmann::json::array();
  const int kPairs[][2] = {{0, 1}, {1, 0}, {0, 2}, {1, 3}, {2, 2}};
  for (const auto& p : kPairs) {
    const Account& a = all[p[0]];
    const Account& b = all[p[1]];
    std::string code = *ContactVerificationCode(a.account, a.key_set, b.account, b.key_set);
    nlohmann::json j;
    j["a"] = p[0];
    j["b"] = p[1];
    j["code"] = code;
    j["display"] = FormatVerificationCode(code);
    pairs.push_back(j);
  }
  nlohmann::json out;
  out["description"] =
      "keytrail contact verification codes (docs/PROTOCOL.md, \"Verification "
      "codes\"). accounts[i]: account id and canonical key set (hex), the "
      "identity bytes (hex) and the account's 30-digit code. pairs: indexes "
      "into accounts and the pair's 60-digit code. Made by "
      "make_verification_code_vectors.cc, recomputed by check_vectors.py.";
  out["iterations"] = kVerificationCodeIterations;
  out["accounts"] = accounts;
  out["pairs"] = pairs;
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace
}  // namespace keytrail

int main() { return keytrail::Main(); }
