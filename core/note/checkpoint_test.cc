#include "core/note/checkpoint.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/bytes/encoding.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace note {
namespace {

using ::absl::StatusCode;

nlohmann::json Vectors() {
  std::ifstream in("testdata/rfc6962_tlog_and_notes.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

constexpr char kRoot[] = "/HtzXVSOrQ5/vpHJt/ZXDg114baS2ri7oGd7Hf6cNL0=";

StatusCode Code(const std::string& text) { return ParseCheckpoint(text).status().code(); }

TEST(CheckpointTest, ParsesGoCheckpoint) {
  auto v = Vectors();
  const std::string text = v["checkpoint_text"].get<std::string>();
  auto cp = ParseCheckpoint(text);
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_EQ(cp->origin, "example.org/keytrail-test-log");
  EXPECT_EQ(cp->size, 37u);
  // The root Go's tlog computed for 37 leaves, listed separately in hex.
  EXPECT_EQ(HexEncode(HashView(cp->root)), v["roots"]["37"].get<std::string>());
  EXPECT_TRUE(cp->extensions.empty());
  EXPECT_EQ(FormatCheckpoint(*cp), text);
}

TEST(CheckpointTest, ExtensionsRoundTrip) {
  const std::string text =
      std::string("log.example/a\n0\n") + kRoot + "\next one\n\xe2\x80\x94 two\n";
  auto cp = ParseCheckpoint(text);
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_EQ(cp->size, 0u);
  ASSERT_EQ(cp->extensions.size(), 2u);
  EXPECT_EQ(cp->extensions[0], "ext one");
  EXPECT_EQ(cp->extensions[1], "\xe2\x80\x94 two");
  EXPECT_EQ(FormatCheckpoint(*cp), text);
  auto again = ParseCheckpoint(FormatCheckpoint(*cp));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *cp);
}

TEST(CheckpointTest, OriginIsOpaque) {
  // The spec only recommends URL-like origins; clients must not assume it.
  auto cp = ParseCheckpoint(std::string("a log+name\n1\n") + kRoot + "\n");
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_EQ(cp->origin, "a log+name");
}

TEST(CheckpointTest, SizeMustBeCanonicalDecimal) {
  auto with_size = [](const std::string& size) { return "log\n" + size + "\n" + kRoot + "\n"; };
  auto max = ParseCheckpoint(with_size("18446744073709551615"));
  ASSERT_TRUE(max.ok()) << max.status();
  EXPECT_EQ(max->size, 18446744073709551615u);
  for (const char* bad : {"01", "00", "+1", "-1", "", " 1", "1 ", "0x1", "1e3",
                          "18446744073709551616", "99999999999999999999999"}) {
    EXPECT_EQ(Code(with_size(bad)), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(CheckpointTest, RootMustBe32BytesOfCanonicalBase64) {
  auto with_root = [](const std::string& root) { return "log\n5\n" + root + "\n"; };
  EXPECT_EQ(Code(with_root(Base64Encode(std::string(31, 'x')))), StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(with_root(Base64Encode(std::string(33, 'x')))), StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(with_root(HexEncode(std::string(32, 'x')))), StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(with_root("")), StatusCode::kInvalidArgument);
  // Unused bits set in the last character: the same bytes, non-canonical.
  std::string noncanonical = kRoot;
  noncanonical[42] = '1';  // '0' -> '1' sets one of the 2 unused bits
  EXPECT_EQ(Code(with_root(noncanonical)), StatusCode::kInvalidArgument);
}

TEST(CheckpointTest, RejectsMissingOrMalformedLines) {
  const std::string root = kRoot;
  const std::vector<std::string> bad = {
      "",
      "\n",
      "log\n",
      "log\n5\n",
      "log\n5\n" + root,           // no final newline
      "\n5\n" + root + "\n",       // empty origin
      "log\n\n" + root + "\n",     // empty size
      "log\n5\n" + root + "\n\n",  // empty extension line
      "log\n5\n" + root + "\next\n\n",
      "log\r\n5\n" + root + "\n",      // control character
      "log\n5\n" + root + "\n\xff\n",  // invalid UTF-8
  };
  for (const std::string& text : bad) {
    EXPECT_EQ(Code(text), StatusCode::kInvalidArgument) << text;
  }
}

}  // namespace
}  // namespace note
}  // namespace keytrail
