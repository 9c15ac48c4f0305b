#include "core/note/cosignature.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_format.h"
#include "core/bytes/encoding.h"
#include "core/bytes/reader.h"
#include "core/note/checkpoint.h"
#include "core/note/key_string.h"
#include "core/note/note.h"
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

constexpr uint64_t kTime = 1679315147;

class CosignatureTest : public testing::Test {
 protected:
  void SetUp() override {
    auto v = Vectors();
    text_ = v["checkpoint_text"].get<std::string>();
    signed_ = v["checkpoint_signed"].get<std::string>();
    log_.emplace(ParseVerifierKey(v["note_signer"]["vkey"].get<std::string>()).value());
    // A fixed seed, so failures reproduce.
    seed_ = std::string(32, '\x42');
    signer_.emplace(CosignatureSigner::Create("witness.example.com/w1",
                                              Ed25519PrivateKey::FromSeed(seed_).value())
                        .value());
  }
  std::string text_, signed_, seed_;
  absl::optional<Ed25519NoteVerifier> log_;
  absl::optional<CosignatureSigner> signer_;
};

TEST_F(CosignatureTest, LayoutAndRoundTrip) {
  const std::string sig = signer_->Sign(text_, kTime);
  ASSERT_EQ(sig.size(), kCosignatureSize);
  ASSERT_EQ(sig.size(), 76u);
  ByteReader r(sig);
  uint32_t hash;
  uint64_t time;
  absl::string_view ed;
  ASSERT_TRUE(r.ReadU32(&hash) && r.ReadU64(&time) && r.ReadBytes(64, &ed));
  ASSERT_TRUE(r.Finish("cosignature").ok());
  EXPECT_EQ(time, kTime);
  // The key hash is over the name and type byte 0x04, not 0x01.
  const std::string pub = signer_->Verifier().public_key().bytes();
  EXPECT_EQ(hash, KeyHash("witness.example.com/w1", 0x04, pub));
  EXPECT_NE(hash, KeyHash("witness.example.com/w1", 0x01, pub));
  // The Ed25519 signature is over the spec's message, written out here.
  const std::string message = "cosignature/v1\ntime 1679315147\n" + text_;
  EXPECT_TRUE(signer_->Verifier().public_key().Verify(message, ed));
  EXPECT_EQ(CosignatureMessage(text_, kTime), message);

  auto got = signer_->Verifier().Verify(text_, sig);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, kTime);
  EXPECT_EQ(signer_->Sign(text_, kTime), sig);  // deterministic
}

TEST_F(CosignatureTest, SpecExampleLayout) {
  // The example cosignature line of c2sp.org/tlog-cosignature, whose signed
  // message shows "time 1679315147". We lack the witness's key, so this
  // checks the layout only: key hash, then the big-endian timestamp.
  auto raw = Base64Decode(
      "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oy"
      "in1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==");
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw->size(), kCosignatureSize);
  auto ts = CosignatureTimestamp(raw->substr(4));
  ASSERT_TRUE(ts.ok()) << ts.status();
  EXPECT_EQ(*ts, 1679315147u);
}

TEST_F(CosignatureTest, WrongTimestampFails) {
  const std::string sig = signer_->Sign(text_, kTime);
  std::string changed = sig;
  changed[11] ^= 0x01;  // the timestamp's last byte: kTime ^ 1
  auto r = signer_->Verifier().Verify(text_, changed);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("does not verify"), std::string::npos);
  // The signature made for kTime + 1 under kTime's header bytes.
  const std::string later = signer_->Sign(text_, kTime + 1);
  const std::string spliced = sig.substr(0, 12) + later.substr(12);
  EXPECT_EQ(signer_->Verifier().Verify(text_, spliced).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(CosignatureTest, TimestampAbove2To63Rejected) {
  // Sign the message for 2^63 with the raw key: only the bound rejects it.
  const uint64_t big = uint64_t{1} << 63;
  auto key = Ed25519PrivateKey::FromSeed(seed_).value();
  std::string sig;
  ByteWriter w(&sig);
  w.U32(signer_->key_hash());
  w.U64(big);
  w.Bytes(key.Sign(CosignatureMessage(text_, big)));
  auto r = signer_->Verifier().Verify(text_, sig);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("2^63"), std::string::npos);
  EXPECT_EQ(CosignatureTimestamp(sig.substr(4)).status().code(), StatusCode::kInvalidArgument);
  auto max = signer_->Verifier().Verify(text_, signer_->Sign(text_, kMaxCosignatureTimestamp));
  ASSERT_TRUE(max.ok()) << max.status();
  EXPECT_EQ(*max, kMaxCosignatureTimestamp);
}

TEST_F(CosignatureTest, SigningAbove2To63IsAProgrammingError) {
  EXPECT_DEATH(signer_->Sign(text_, uint64_t{1} << 63), "2\\^63");
}

TEST_F(CosignatureTest, WrongKeyFails) {
  const std::string sig = signer_->Sign(text_, kTime);
  // Same name, another key: another key hash.
  auto other = CosignatureSigner::Generate(signer_->name());
  ASSERT_TRUE(other.ok());
  auto r = other->Verifier().Verify(text_, sig);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  // Another key that claims this key's hash: the signature check fails.
  std::string forged = other->Sign(text_, kTime);
  forged.replace(0, 4, sig.substr(0, 4));
  EXPECT_EQ(signer_->Verifier().Verify(text_, forged).status().code(),
            StatusCode::kInvalidArgument);
  // Another checkpoint.
  EXPECT_EQ(signer_->Verifier().Verify(text_ + "ext\n", sig).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(CosignatureTest, TruncatedOrExtendedSignatureFails) {
  const std::string sig = signer_->Sign(text_, kTime);
  for (size_t n : {0, 4, 12, 75}) {
    EXPECT_EQ(signer_->Verifier().Verify(text_, sig.substr(0, n)).status().code(),
              StatusCode::kInvalidArgument)
        << n;
  }
  EXPECT_EQ(signer_->Verifier().Verify(text_, sig + "x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(signer_->Verifier().VerifyNoteSignature(text_, sig.substr(4, 71)));
  EXPECT_TRUE(signer_->Verifier().VerifyNoteSignature(text_, sig.substr(4)));
}

TEST_F(CosignatureTest, KeyStringsRoundTripAndCarryType04) {
  const std::string vkey = signer_->VerifierKey();
  auto v = ParseCosignatureVerifierKey(vkey);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->VerifierKey(), vkey);
  EXPECT_EQ(v->key_hash(), signer_->key_hash());
  // <name>+<8 hex digits>+<base64 key>, the key starting with 0x04.
  const size_t key_at = signer_->name().size() + 1 + 8 + 1;
  EXPECT_EQ(vkey.substr(0, key_at),
            absl::StrFormat("%s+%08x+", signer_->name(), signer_->key_hash()));
  EXPECT_EQ(vkey.substr(key_at, 1), "B");  // 0x04 || ... = "BA".."BD"
  auto raw = Base64Decode(vkey.substr(key_at));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ((*raw)[0], '\x04');

  const std::string skey = signer_->PrivateKeyString();
  EXPECT_EQ(skey.rfind("PRIVATE+KEY+witness.example.com/w1+", 0), 0u);
  auto s = ParseCosignatureSignerKey(skey);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->PrivateKeyString(), skey);
  EXPECT_EQ(s->Sign(text_, kTime), signer_->Sign(text_, kTime));
}

TEST_F(CosignatureTest, WrongTypeByteRejected) {
  // Same name and Ed25519 key, as a note key (0x01) and as a cosigner (0x04).
  auto note_signer =
      Ed25519NoteSigner::Create(signer_->name(), Ed25519PrivateKey::FromSeed(seed_).value());
  ASSERT_TRUE(note_signer.ok());
  EXPECT_NE(note_signer->key_hash(), signer_->key_hash());
  EXPECT_EQ(ParseCosignatureVerifierKey(note_signer->VerifierKey()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseVerifierKey(signer_->VerifierKey()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCosignatureSignerKey(note_signer->PrivateKeyString()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSignerKey(signer_->PrivateKeyString()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCosignatureSignerKey(signer_->VerifierKey()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(CosignatureTest, OpensCosignedCheckpointWithMixedVerifiers) {
  auto note = ParseNote(signed_);
  ASSERT_TRUE(note.ok());
  note->signatures.push_back(signer_->SignAsNoteSignature(note->text, kTime));
  const std::string cosigned = FormatNote(*note);
  CosignatureVerifier witness = signer_->Verifier();

  auto both = OpenNote(cosigned, {&*log_, &witness});
  ASSERT_TRUE(both.ok()) << both.status();
  ASSERT_EQ(both->verified.size(), 2u);
  EXPECT_EQ(both->verified[0].verifier, &*log_);
  EXPECT_EQ(both->verified[1].verifier, &witness);
  auto ts = CosignatureTimestamp(both->verified[1].signature.signature);
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(*ts, kTime);
  auto cp = ParseCheckpoint(both->text);
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->size, 37u);

  // The log's verifier alone ignores the cosignature.
  auto log_only = OpenNote(cosigned, {&*log_});
  ASSERT_TRUE(log_only.ok());
  EXPECT_EQ(log_only->unverified.size(), 1u);

  // A bad cosignature by a known witness rejects the note.
  note->signatures.back().signature[30] ^= 0x08;
  EXPECT_EQ(OpenNote(FormatNote(*note), {&*log_, &witness}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(CosignatureTest, CountsDistinctCosignersIgnoringBadLines) {
  auto note = ParseNote(signed_);
  ASSERT_TRUE(note.ok());
  auto other = CosignatureSigner::Generate("witness.example.com/w2").value();
  NoteSignature broken = other.SignAsNoteSignature(note->text, kTime);
  broken.signature[30] ^= 0x08;
  const std::vector<NoteSignature> lines = {signer_->SignAsNoteSignature(note->text, kTime),
                                            signer_->SignAsNoteSignature(note->text, kTime + 1),
                                            broken};
  const std::vector<CosignatureVerifier> both = {signer_->Verifier(), other.Verifier()};
  EXPECT_EQ(CountCosignatures(note->text, lines, both), 1u);  // twice w1, broken w2
  EXPECT_EQ(CountCosignatures("other\n", lines, both), 0u);
  // One key under a second name counts once.
  auto alias = CosignatureVerifier::Create("alias.example", signer_->Verifier().public_key());
  ASSERT_TRUE(alias.ok());
  NoteSignature renamed = lines[0];
  renamed.name = "alias.example";
  renamed.key_hash = alias->key_hash();
  EXPECT_EQ(CountCosignatures(note->text, {lines[0], renamed}, {signer_->Verifier(), *alias}), 1u);
}

}  // namespace
}  // namespace note
}  // namespace keytrail
