#include "core/protocol/verification_code.h"

#include <fstream>
#include <string>

#include "core/bytes/encoding.h"
#include "core/protocol/key_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace keytrail {
namespace {

using testing::HasSubstr;
using testing::MatchesRegex;

constexpr char kVectorsPath[] = "core/protocol/testdata/verification_code_vectors.json";

std::string Unhex(const std::string& hex) {
  absl::StatusOr<std::string> s = HexDecode(hex);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : "";
}

KeySet Keyless(const std::string& key) { return KeySet{std::nullopt, {Device{"phone", key}}}; }

KeySet WithAccountKey(char key_byte, const std::string& device_key) {
  KeySet ks;
  ks.account_key = std::string(32, key_byte);
  ks.devices = {Device{"phone", device_key}};
  ks.signature = std::string(64, 'S');
  return ks;
}

// The vector file was made by keytrail and recomputed by check_vectors.py
// (Python hashlib only); keytrail must keep reproducing it.
TEST(VerificationCodeTest, MatchesVectorFile) {
  std::ifstream in(kVectorsPath);
  ASSERT_TRUE(in.good()) << kVectorsPath;
  nlohmann::json v = nlohmann::json::parse(in);
  ASSERT_EQ(v["iterations"].get<int>(), kVerificationCodeIterations);
  std::vector<std::pair<std::string, KeySet>> accounts;
  for (const auto& a : v["accounts"]) {
    std::string account = Unhex(a["account"].get<std::string>());
    absl::StatusOr<KeySet> ks = DecodeKeySet(Unhex(a["key_set"]));
    ASSERT_TRUE(ks.ok()) << ks.status();
    absl::StatusOr<std::string> identity = VerificationIdentity(account, *ks);
    ASSERT_TRUE(identity.ok()) << identity.status();
    EXPECT_EQ(HexEncode(*identity), a["identity"].get<std::string>());
    absl::StatusOr<std::string> code = AccountVerificationCode(account, *ks);
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, a["code"].get<std::string>());
    accounts.emplace_back(account, *ks);
  }
  ASSERT_GE(accounts.size(), 3u);
  ASSERT_GE(v["pairs"].size(), 3u);
  for (const auto& p : v["pairs"]) {
    const auto& a = accounts.at(p["a"].get<size_t>());
    const auto& b = accounts.at(p["b"].get<size_t>());
    absl::StatusOr<std::string> code =
        ContactVerificationCode(a.first, a.second, b.first, b.second);
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, p["code"].get<std::string>());
    EXPECT_EQ(FormatVerificationCode(*code), p["display"].get<std::string>());
  }
}

TEST(VerificationCodeTest, BothOrdersGiveTheSameCode) {
  KeySet alice = WithAccountKey('a', "alice phone");
  KeySet bob = Keyless("bob phone");
  absl::StatusOr<std::string> ab = ContactVerificationCode("alice", alice, "bob", bob);
  absl::StatusOr<std::string> ba = ContactVerificationCode("bob", bob, "alice", alice);
  ASSERT_TRUE(ab.ok()) << ab.status();
  ASSERT_TRUE(ba.ok()) << ba.status();
  EXPECT_EQ(*ab, *ba);
  EXPECT_THAT(*ab, MatchesRegex("[0-9]{60}"));
  // Made of the two accounts' own codes, the smaller first.
  std::string a = *AccountVerificationCode("alice", alice);
  std::string b = *AccountVerificationCode("bob", bob);
  EXPECT_THAT(a, MatchesRegex("[0-9]{30}"));
  EXPECT_EQ(*ab, a < b ? a + b : b + a);
}

TEST(VerificationCodeTest, AccountKeyIdentityIgnoresDevices) {
  // Device changes signed by the same account key keep the code.
  EXPECT_EQ(*AccountVerificationCode("alice", WithAccountKey('a', "old")),
            *AccountVerificationCode("alice", WithAccountKey('a', "new")));
  // Another account key changes it.
  EXPECT_NE(*AccountVerificationCode("alice", WithAccountKey('a', "old")),
            *AccountVerificationCode("alice", WithAccountKey('b', "old")));
}

TEST(VerificationCodeTest, KeySetIdentityCoversEveryDevice) {
  EXPECT_NE(*AccountVerificationCode("bob", Keyless("old")),
            *AccountVerificationCode("bob", Keyless("new")));
  KeySet two = Keyless("old");
  two.devices.push_back(Device{"tablet", "t"});
  EXPECT_NE(*AccountVerificationCode("bob", Keyless("old")), *AccountVerificationCode("bob", two));
  // A keyless key set never shares an identity with an account key, even
  // with the same bytes inside.
  EXPECT_NE(*VerificationIdentity("bob", Keyless(std::string(32, 'a'))),
            *VerificationIdentity("bob", WithAccountKey('a', "x")));
}

TEST(VerificationCodeTest, BoundToTheAccountId) {
  EXPECT_NE(*AccountVerificationCode("alice", WithAccountKey('a', "k")),
            *AccountVerificationCode("alicf", WithAccountKey('a', "k")));
}

TEST(VerificationCodeTest, RejectsBadInput) {
  absl::StatusOr<std::string> s = AccountVerificationCode("", Keyless("k"));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("account id"));

  s = AccountVerificationCode(std::string(257, 'x'), Keyless("k"));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);

  KeySet bad = Keyless("k");
  bad.account_key = std::string(31, 'a');
  s = AccountVerificationCode("alice", bad);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("key set: account key"));

  s = AccountVerificationCode("alice", KeySet{});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.status().message(), HasSubstr("deactivated"));

  s = ContactVerificationCode("alice", Keyless("k"), "bob", KeySet{});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.status().message(), HasSubstr("verification code: account b: "));
  s = ContactVerificationCode("", Keyless("k"), "bob", Keyless("k"));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("verification code: account a: account id"));
}

TEST(VerificationCodeTest, FormatsGroupsOfFive) {
  EXPECT_EQ(FormatVerificationCode(""), "");
  EXPECT_EQ(FormatVerificationCode("0123456789"), "01234 56789");
  EXPECT_EQ(FormatVerificationCode("0123456"), "01234 56");
  std::string code(60, '7');
  std::string shown = FormatVerificationCode(code);
  EXPECT_EQ(shown.size(), 60u + 11u);
  EXPECT_THAT(shown, MatchesRegex("([0-9]{5} ){11}[0-9]{5}"));
}

}  // namespace
}  // namespace keytrail
