#include "core/note/text.h"

#include "gtest/gtest.h"

namespace keytrail {
namespace note {
namespace {

TEST(Utf8Test, AcceptsWellFormed) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii\n"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9"));           // U+00E9
  EXPECT_TRUE(IsValidUtf8("\xe2\x80\x94"));          // U+2014 em dash
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x94\x91"));      // U+1F511
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));  // NUL is UTF-8
}

TEST(Utf8Test, RejectsMalformed) {
  EXPECT_FALSE(IsValidUtf8("\x80"));  // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\x80"));          // overlong NUL
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(IsValidUtf8("\xe2\x80"));          // truncated
  EXPECT_FALSE(IsValidUtf8("ok\xe2\x80x"));       // bad continuation
}

TEST(NoteCharactersTest, AllowsNewlineOnlyAmongControls) {
  EXPECT_TRUE(CheckNoteCharacters("a\n\nb\xe2\x80\x94\n", "t").ok());
  for (char c : {'\0', '\t', '\r', '\x1b', '\x1f'}) {
    std::string s = "ab";
    s.insert(1, 1, c);
    absl::Status st = CheckNoteCharacters(s, "t");
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << int(c);
    EXPECT_NE(st.message().find("at byte 1"), std::string::npos) << st;
  }
  EXPECT_EQ(CheckNoteCharacters("a\xc3", "t").code(), absl::StatusCode::kInvalidArgument);
}

TEST(KeyNameTest, Valid) {
  EXPECT_TRUE(IsValidKeyName("example.org/keytrail-test-log"));
  EXPECT_TRUE(IsValidKeyName("PeterNeumann"));
  EXPECT_TRUE(IsValidKeyName("\xe6\x97\xa5\xe6\x9c\xac"));  // non-ASCII
  EXPECT_TRUE(
      IsValidKeyName("a\xe2\x80\x8b"
                     "b"));  // U+200B is no space
}

TEST(KeyNameTest, Invalid) {
  EXPECT_FALSE(IsValidKeyName(""));
  EXPECT_FALSE(IsValidKeyName("a+b"));
  EXPECT_FALSE(IsValidKeyName("a b"));
  EXPECT_FALSE(IsValidKeyName("a\tb"));
  EXPECT_FALSE(IsValidKeyName("a\nb"));
  EXPECT_FALSE(
      IsValidKeyName("a\xc2\x85"
                     "b"));  // U+0085 NEL
  EXPECT_FALSE(
      IsValidKeyName("a\xc2\xa0"
                     "b"));  // U+00A0 NBSP
  EXPECT_FALSE(
      IsValidKeyName("a\xe2\x80\x8a"
                     "b"));  // U+200A hair space
  EXPECT_FALSE(
      IsValidKeyName("a\xe2\x80\xa8"
                     "b"));  // U+2028
  EXPECT_FALSE(
      IsValidKeyName("a\xe3\x80\x80"
                     "b"));  // U+3000
  EXPECT_FALSE(
      IsValidKeyName("a\x01"
                     "b"));               // control
  EXPECT_FALSE(IsValidKeyName("a\xff"));  // not UTF-8
}

}  // namespace
}  // namespace note
}  // namespace keytrail
