#include "core/note/note.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace note {
namespace {

using ::absl::StatusCode;

constexpr char kDash[] = "\xe2\x80\x94 ";  // U+2014 and a space

// Vectors made by Go's golang.org/x/mod/sumdb/note (see testdata/README.md).
nlohmann::json Vectors() {
  std::ifstream in("testdata/rfc6962_tlog_and_notes.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

// The example in the package documentation of Go's sumdb/note.
constexpr char kGoText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr char kGoMessage[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
constexpr char kGoSkey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kGoVkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

class NoteTest : public testing::Test {
 protected:
  void SetUp() override {
    auto v = Vectors();
    text_ = v["checkpoint_text"].get<std::string>();
    signed_ = v["checkpoint_signed"].get<std::string>();
    signed_by_two_ = v["checkpoint_signed_by_two"].get<std::string>();
    signer1_.emplace(ParseSignerKey(v["note_signer"]["skey_go_format"].get<std::string>()).value());
    signer2_.emplace(
        ParseSignerKey(v["note_signer2"]["skey_go_format"].get<std::string>()).value());
    verifier1_.emplace(ParseVerifierKey(v["note_signer"]["vkey"].get<std::string>()).value());
    verifier2_.emplace(ParseVerifierKey(v["note_signer2"]["vkey"].get<std::string>()).value());
  }

  std::string text_, signed_, signed_by_two_;
  absl::optional<Ed25519NoteSigner> signer1_, signer2_;
  absl::optional<Ed25519NoteVerifier> verifier1_, verifier2_;
};

TEST_F(NoteTest, OpensGoSignedCheckpoint) {
  auto opened = OpenNote(signed_, {&*verifier1_});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text, text_);
  ASSERT_EQ(opened->verified.size(), 1u);
  EXPECT_EQ(opened->verified[0].verifier, &*verifier1_);
  EXPECT_EQ(opened->verified[0].signature.name, verifier1_->name());
  EXPECT_EQ(opened->verified[0].signature.key_hash, verifier1_->key_hash());
  EXPECT_TRUE(opened->unverified.empty());
}

TEST_F(NoteTest, OpensCheckpointSignedByTwoUnderEitherOrBoth) {
  auto both = OpenNote(signed_by_two_, {&*verifier1_, &*verifier2_});
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->text, text_);
  ASSERT_EQ(both->verified.size(), 2u);
  EXPECT_EQ(both->verified[0].verifier, &*verifier1_);
  EXPECT_EQ(both->verified[1].verifier, &*verifier2_);

  auto only1 = OpenNote(signed_by_two_, {&*verifier1_});
  ASSERT_TRUE(only1.ok()) << only1.status();
  ASSERT_EQ(only1->verified.size(), 1u);
  EXPECT_EQ(only1->verified[0].verifier, &*verifier1_);
  ASSERT_EQ(only1->unverified.size(), 1u);
  EXPECT_EQ(only1->unverified[0].name, "monitor.example.net");

  auto only2 = OpenNote(signed_by_two_, {&*verifier2_});
  ASSERT_TRUE(only2.ok()) << only2.status();
  ASSERT_EQ(only2->verified.size(), 1u);
  EXPECT_EQ(only2->verified[0].verifier, &*verifier2_);
  EXPECT_EQ(only2->text, text_);
}

TEST_F(NoteTest, SigningReproducesGoByteForByte) {
  auto one = SignNote(text_, {&*signer1_});
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(*one, signed_);
  auto two = SignNote(text_, {&*signer1_, &*signer2_});
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(*two, signed_by_two_);

  auto go_signer = ParseSignerKey(kGoSkey);
  ASSERT_TRUE(go_signer.ok());
  auto go = SignNote(kGoText, {&*go_signer});
  ASSERT_TRUE(go.ok());
  EXPECT_EQ(*go, kGoMessage);
  auto go_verifier = ParseVerifierKey(kGoVkey);
  ASSERT_TRUE(go_verifier.ok());
  auto opened = OpenNote(kGoMessage, {&*go_verifier});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text, kGoText);
}

TEST_F(NoteTest, ParseAndFormatRoundTrip) {
  for (const std::string& msg : {signed_, signed_by_two_}) {
    auto note = ParseNote(msg);
    ASSERT_TRUE(note.ok()) << note.status();
    EXPECT_EQ(note->text, text_);
    EXPECT_EQ(FormatNote(*note), msg);
  }
  auto note = ParseNote(signed_by_two_);
  ASSERT_EQ(note->signatures.size(), 2u);
  EXPECT_EQ(note->signatures[1].name, "monitor.example.net");
  EXPECT_EQ(note->signatures[1].key_hash, 0x1c5c92cfu);
  EXPECT_EQ(note->signatures[1].signature, signer2_->Sign(text_));
}

TEST_F(NoteTest, TextMayContainBlankLines) {
  const std::string text = "a\n\nb\n\n";
  auto msg = SignNote(text, {&*signer1_});
  ASSERT_TRUE(msg.ok());
  auto opened = OpenNote(*msg, {&*verifier1_});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text, text);
}

// A signature line with the given name over `payload` bytes.
std::string Line(absl::string_view name, absl::string_view payload) {
  return absl::StrCat(kDash, name, " ", Base64Encode(payload), "\n");
}

TEST_F(NoteTest, RejectsMalformedNotes) {
  const std::string good_line = signed_.substr(text_.size() + 1);
  const std::string sig = std::string("\xa5\x8e\x01\xce", 4) + signer1_->Sign(text_);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"no blank line", text_ + good_line},
      {"no signatures", text_ + "\n"},
      {"empty", ""},
      {"last line without newline", text_ + "\n" + good_line.substr(0, good_line.size() - 1)},
      {"bad base64", text_ + "\n" + kDash + "example.org/keytrail-test-log " + "pY4B!v7I\n"},
      {"base64 without padding", text_ + "\n" + kDash + "example.org/keytrail-test-log " +
                                     Base64Encode(sig).substr(0, Base64Encode(sig).size() - 1) +
                                     "\n"},
      {"invalid UTF-8", "caf\xc3\n\n" + good_line},
      {"control character", "a\tb\n\n" + good_line},
      {"carriage return", text_ + "\n" + good_line.substr(0, good_line.size() - 1) + "\r\n"},
      {"hyphen instead of em dash", text_ + "\n- " + good_line.substr(4)},
      {"en dash", text_ + "\n\xe2\x80\x93 " + good_line.substr(4)},
      {"em dash without space", text_ + "\n\xe2\x80\x94" + good_line.substr(4)},
      {"empty name", text_ + "\n" + Line("", sig)},
      {"name with plus", text_ + "\n" + Line("a+b", sig)},
      {"name with space", text_ + "\n" + Line("a b", sig)},
      {"name with no-break space", text_ + "\n" +
                                       Line("a\xc2\xa0"
                                            "b",
                                            sig)},
      {"no signature after name", text_ + "\n" + kDash + "name\n"},
      {"empty signature", text_ + "\n" + kDash + "name \n"},
      {"signature of 4 bytes", text_ + "\n" + Line("name", sig.substr(0, 4))},
  };
  for (const auto& c : cases) {
    auto note = ParseNote(c.second);
    EXPECT_EQ(note.status().code(), StatusCode::kInvalidArgument) << c.first;
    EXPECT_EQ(OpenNote(c.second, {&*verifier1_}).status().code(), StatusCode::kInvalidArgument)
        << c.first;
  }
}

TEST_F(NoteTest, LastBlankLineEndsTheText) {
  // A blank line among the signatures moves the lines above it into the
  // text, where they are no longer signatures, and the text changes.
  const std::string good_line = signed_.substr(text_.size() + 1);
  const std::string msg = text_ + "\n" + good_line + "\n" + good_line;
  auto note = ParseNote(msg);
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ(note->text, text_ + "\n" + good_line);
  EXPECT_EQ(note->signatures.size(), 1u);
  EXPECT_EQ(OpenNote(msg, {&*verifier1_}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(NoteTest, SignatureCountLimit) {
  std::string hundred = text_ + "\n";
  for (int i = 0; i < 100; ++i) {
    hundred += Line(absl::StrCat("k", i), "sigsig");
  }
  auto ok = ParseNote(hundred);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->signatures.size(), 100u);
  auto too_many = ParseNote(hundred + Line("k100", "sigsig"));
  EXPECT_EQ(too_many.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_many.status().message().find("more than 100"), std::string::npos);
}

TEST_F(NoteTest, UnknownKeysAreIgnored) {
  // A key nobody knows, and one with a known name but another key (so
  // another hash): the spec says both are ignored, not failed.
  auto stranger = Ed25519NoteSigner::Generate("stranger.example");
  auto impostor = Ed25519NoteSigner::Generate(signer1_->name());
  ASSERT_TRUE(stranger.ok() && impostor.ok());
  ASSERT_NE(impostor->key_hash(), signer1_->key_hash());
  auto msg = SignNote(text_, {&*stranger, &*signer1_, &*impostor});
  ASSERT_TRUE(msg.ok());
  // Garble the unknown keys' signatures: they are not even checked.
  auto note = ParseNote(*msg);
  ASSERT_TRUE(note.ok());
  note->signatures[0].signature[0] ^= 1;
  note->signatures[2].signature[0] ^= 1;
  auto opened = OpenNote(FormatNote(*note), {&*verifier1_});
  ASSERT_TRUE(opened.ok()) << opened.status();
  ASSERT_EQ(opened->verified.size(), 1u);
  EXPECT_EQ(opened->verified[0].signature.name, signer1_->name());
  EXPECT_EQ(opened->unverified.size(), 2u);
}

TEST_F(NoteTest, NotSignedByAnyKnownKey) {
  auto r = OpenNote(signed_, {&*verifier2_});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("monitor.example.net+1c5c92cf"), std::string::npos)
      << r.status();
  EXPECT_EQ(OpenNote(signed_, {}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(NoteTest, TamperedTextOrSignatureFails) {
  std::string tampered_text = signed_;
  tampered_text[text_.size() - 5] ^= 0x01;  // a character of the root hash
  auto r = OpenNote(tampered_text, {&*verifier1_});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("invalid signature by known key "
                                      "example.org/keytrail-test-log+a58e01ce"),
            std::string::npos)
      << r.status();

  auto note = ParseNote(signed_by_two_);
  ASSERT_TRUE(note.ok());
  note->signatures[1].signature[20] ^= 0x04;
  const std::string bad_second = FormatNote(*note);
  // The good first signature does not save a bad one by a known key...
  auto both = OpenNote(bad_second, {&*verifier1_, &*verifier2_});
  EXPECT_EQ(both.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(both.status().message().find("monitor.example.net+1c5c92cf"), std::string::npos);
  // ...but a bad signature by an unknown key does not matter.
  EXPECT_TRUE(OpenNote(bad_second, {&*verifier1_}).ok());
}

TEST_F(NoteTest, DuplicateKnownSignaturesAreAllVerified) {
  auto note = ParseNote(signed_);
  ASSERT_TRUE(note.ok());
  note->signatures.push_back(note->signatures[0]);
  auto twice = OpenNote(FormatNote(*note), {&*verifier1_});
  ASSERT_TRUE(twice.ok()) << twice.status();
  EXPECT_EQ(twice->verified.size(), 1u);
  note->signatures[1].signature[0] ^= 1;
  EXPECT_EQ(OpenNote(FormatNote(*note), {&*verifier1_}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(NoteTest, AmbiguousVerifiersRejected) {
  Ed25519NoteVerifier copy = *verifier1_;
  EXPECT_EQ(OpenNote(signed_, {&*verifier1_, &copy}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(NoteTest, SignNoteRejectsBadInput) {
  EXPECT_EQ(SignNote("no newline", {&*signer1_}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SignNote("", {&*signer1_}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SignNote("tab\there\n", {&*signer1_}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SignNote("caf\xc3\n", {&*signer1_}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SignNote(text_, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SignNote(text_, {&*signer1_, &*signer1_}).status().code(),
            StatusCode::kInvalidArgument);
}

// A NoteSigner that signs nothing, as a buggy implementation might.
class EmptySigner : public NoteSigner {
 public:
  const std::string& name() const override { return name_; }
  uint32_t key_hash() const override { return 1; }
  std::string Sign(absl::string_view) const override { return ""; }

 private:
  std::string name_ = "broken.example";
};

TEST_F(NoteTest, BrokenSignerIsInternal) {
  EmptySigner broken;
  EXPECT_EQ(SignNote(text_, {&*signer1_, &broken}).status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace note
}  // namespace keytrail
