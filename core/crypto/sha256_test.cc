#include "core/crypto/sha256.h"

#include "core/bytes/encoding.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

TEST(Sha256Test, FipsVectors) {
  EXPECT_EQ(HashHex(Sha256Of("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HashHex(Sha256Of("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashHex(Sha256Of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, IncrementalEqualsOneShot) {
  std::string msg(1000, 'x');
  for (size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<char>(i * 7);
  Sha256 h;
  h.Update(absl::string_view(msg).substr(0, 3)).UpdateU8(static_cast<uint8_t>(msg[3]));
  h.Update(absl::string_view(msg).substr(4));
  EXPECT_EQ(h.Finish(), Sha256Of(msg));
}

TEST(Sha256Test, CopiedStateContinuesIndependently) {
  Sha256 a;
  a.Update("prefix");
  Sha256 b = a;
  a.Update("one");
  b.Update("two");
  EXPECT_EQ(a.Finish(), Sha256Of("prefixone"));
  EXPECT_EQ(b.Finish(), Sha256Of("prefixtwo"));
}

TEST(HashTest, FromBytesChecksLength) {
  Hash h{};
  EXPECT_FALSE(HashFromBytes(std::string(31, 'a'), &h));
  EXPECT_FALSE(HashFromBytes(std::string(33, 'a'), &h));
  EXPECT_TRUE(HashFromBytes(std::string(32, 'a'), &h));
  EXPECT_EQ(h[31], 'a');
}

}  // namespace
}  // namespace keytrail
