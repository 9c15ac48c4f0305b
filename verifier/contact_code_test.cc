#include "verifier/contact_code.h"

#include "gtest/gtest.h"

namespace keytrail {
namespace verifier {
namespace {

TEST(ContactCodeTest, SameOnBothPhones) {
  const std::string a = PairCode("alice", std::string(32, 'a'), "bob", std::string(32, 'b'));
  const std::string b = PairCode("bob", std::string(32, 'b'), "alice", std::string(32, 'a'));
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), 14u);  // "dddd dddd dddd"
  EXPECT_EQ(a[4], ' ');
  EXPECT_EQ(a[9], ' ');
}

TEST(ContactCodeTest, ChangesWithEitherIdentity) {
  const std::string base = PairCode("alice", "ka", "bob", "kb");
  EXPECT_NE(base, PairCode("alice", "ka", "bob", "kc"));
  EXPECT_NE(base, PairCode("alice", "kx", "bob", "kb"));
  EXPECT_NE(base, PairCode("alicf", "ka", "bob", "kb"));
  // Length prefixes: moving a byte between account and identity changes it.
  EXPECT_NE(AccountCode("ab", "c"), AccountCode("a", "bc"));
}

TEST(ContactCodeTest, IdentityIsTheAccountKeyWhenPresent) {
  KeySet with_key;
  with_key.account_key = std::string(32, 'k');
  EXPECT_EQ(CodeIdentity(with_key, "encoded"), std::string(32, 'k'));
  KeySet without;
  EXPECT_EQ(CodeIdentity(without, "encoded"), "encoded");
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
