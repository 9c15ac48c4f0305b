#include "core/note/ed25519_note.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gtest/gtest.h"

namespace keytrail {
namespace note {
namespace {

// Vectors made by Go's golang.org/x/mod/sumdb/note (see testdata/README.md).
nlohmann::json Vectors() {
  std::ifstream in("testdata/rfc6962_tlog_and_notes.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

class Ed25519NoteTest : public testing::Test {
 protected:
  void SetUp() override { v_ = Vectors(); }
  std::string Str(const char* a, const char* b) const { return v_[a][b].get<std::string>(); }
  nlohmann::json v_;
};

TEST_F(Ed25519NoteTest, GoKeysParseAndRoundTrip) {
  for (const char* who : {"note_signer", "note_signer2"}) {
    const std::string vkey = Str(who, "vkey");
    const std::string skey = Str(who, "skey_go_format");
    auto verifier = ParseVerifierKey(vkey);
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    EXPECT_EQ(verifier->VerifierKey(), vkey);
    auto signer = ParseSignerKey(skey);
    ASSERT_TRUE(signer.ok()) << signer.status();
    EXPECT_EQ(signer->PrivateKeyString(), skey);
    // The public key derived from Go's seed gives Go's verifier key.
    EXPECT_EQ(signer->VerifierKey(), vkey);
    EXPECT_EQ(signer->name(), verifier->name());
    EXPECT_EQ(signer->key_hash(), verifier->key_hash());
    EXPECT_EQ(signer->Verifier().public_key(), verifier->public_key());
  }
  auto v = ParseVerifierKey(Str("note_signer", "vkey"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->name(), "example.org/keytrail-test-log");
  EXPECT_EQ(v->key_hash(), 0xa58e01ceu);  // the "+a58e01ce+" Go printed
}

TEST_F(Ed25519NoteTest, SignAndVerify) {
  auto signer = ParseSignerKey(Str("note_signer", "skey_go_format"));
  ASSERT_TRUE(signer.ok());
  const std::string text = v_["checkpoint_text"].get<std::string>();
  const std::string sig = signer->Sign(text);
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_EQ(signer->Sign(text), sig);  // deterministic
  Ed25519NoteVerifier verifier = signer->Verifier();
  EXPECT_TRUE(verifier.Verify(text, sig));
  EXPECT_TRUE(verifier.VerifyNoteSignature(text, sig));
  EXPECT_FALSE(verifier.Verify(text + "x\n", sig));
  std::string bad = sig;
  bad[10] ^= 0x20;
  EXPECT_FALSE(verifier.Verify(text, bad));
  EXPECT_FALSE(verifier.Verify(text, sig.substr(0, 63)));
  auto other = ParseVerifierKey(Str("note_signer2", "vkey"));
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->Verify(text, sig));
}

TEST_F(Ed25519NoteTest, GeneratedKeysRoundTrip) {
  auto signer = Ed25519NoteSigner::Generate("example.com/fresh");
  ASSERT_TRUE(signer.ok());
  auto again = ParseSignerKey(signer->PrivateKeyString());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->Sign("hello\n"), signer->Sign("hello\n"));
  auto verifier = ParseVerifierKey(signer->VerifierKey());
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_TRUE(verifier->Verify("hello\n", signer->Sign("hello\n")));
}

TEST_F(Ed25519NoteTest, RejectsBadNames) {
  for (const char* name : {"", "a+b", "a b", "a\nb"}) {
    EXPECT_EQ(Ed25519NoteSigner::Generate(name).status().code(), absl::StatusCode::kInvalidArgument)
        << name;
    EXPECT_EQ(Ed25519NoteVerifier::Create(name, Ed25519PrivateKey::Generate().public_key())
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument)
        << name;
  }
}

TEST_F(Ed25519NoteTest, RejectsDamagedKeyStrings) {
  const std::string skey = Str("note_signer", "skey_go_format");
  const std::string vkey = Str("note_signer", "vkey");
  const std::string secret_b64 = skey.substr(skey.rfind('+') + 1);
  // The hash of another key.
  std::string wrong_hash = skey;
  wrong_hash.replace(wrong_hash.find("a58e01ce"), 8, "1c5c92cf");
  auto s = ParseSignerKey(wrong_hash);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("key hash"), std::string::npos);
  EXPECT_EQ(s.status().message().find(secret_b64), std::string::npos);
  // Private and public keys swapped.
  EXPECT_EQ(ParseSignerKey(vkey).status().code(), absl::StatusCode::kInvalidArgument);
  auto v = ParseVerifierKey(skey);
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(v.status().message().find(secret_b64), std::string::npos);
  // A renamed key no longer matches its hash.
  EXPECT_EQ(ParseVerifierKey("example.org/other" + vkey.substr(vkey.find('+'))).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace note
}  // namespace keytrail
