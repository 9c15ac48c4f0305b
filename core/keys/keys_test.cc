#include "core/keys/keys.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/note/note.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

using ::absl::StatusCode;

class KeysTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    ASSERT_NE(tmp, nullptr);
    dir_ = std::string(tmp) + "/" + testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
    std::ifstream in("testdata/rfc6962_tlog_and_notes.json");
    std::stringstream ss;
    ss << in.rdbuf();
    vectors_ = nlohmann::json::parse(ss.str());
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Vector(const char* a, const char* b) const {
    return vectors_[a][b].get<std::string>();
  }
  static unsigned Mode(const std::string& path) {
    struct stat st;
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }
  static bool Exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }
  static void Put(const std::string& path, const std::string& contents) {
    std::ofstream(path, std::ios::binary) << contents;
  }

  std::string dir_;
  nlohmann::json vectors_;
};

TEST_F(KeysTest, LoadsGoNoteKeys) {
  const std::string skey = Vector("note_signer", "skey_go_format");
  const std::string vkey = Vector("note_signer", "vkey");
  ASSERT_TRUE(WritePrivateKeyFile(Path("log.key"), skey + "\n").ok());
  ASSERT_TRUE(WritePublicKeyFile(Path("log.pub"), vkey + "\n").ok());
  auto signer = LoadNoteSigner(Path("log.key"));
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_EQ(signer->PrivateKeyString(), skey);
  auto verifier = LoadNoteVerifier(Path("log.pub"));
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_EQ(verifier->VerifierKey(), vkey);
  // The loaded pair reproduces Go's signed checkpoint.
  const std::string text = vectors_["checkpoint_text"].get<std::string>();
  auto msg = note::SignNote(text, {&*signer});
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(*msg, vectors_["checkpoint_signed"].get<std::string>());
  EXPECT_TRUE(note::OpenNote(*msg, {&*verifier}).ok());
}

TEST_F(KeysTest, GenerateNoteKeyPair) {
  auto vkey = GenerateNoteKeyPair("example.com/log", Path("k"), Path("k.pub"));
  ASSERT_TRUE(vkey.ok()) << vkey.status();
  EXPECT_EQ(Mode(Path("k")), 0600u);
  EXPECT_EQ(Mode(Path("k.pub")), 0644u);
  auto signer = LoadNoteSigner(Path("k"));
  auto verifier = LoadNoteVerifier(Path("k.pub"));
  ASSERT_TRUE(signer.ok() && verifier.ok());
  EXPECT_EQ(verifier->VerifierKey(), *vkey);
  EXPECT_EQ(signer->VerifierKey(), *vkey);
  EXPECT_EQ(signer->name(), "example.com/log");
  EXPECT_TRUE(verifier->Verify("t\n", signer->Sign("t\n")));
  // The wrong loader for each file.
  EXPECT_EQ(LoadNoteSigner(Path("k.pub")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadNoteVerifier(Path("k")).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(KeysTest, GenerateCosignatureKeyPair) {
  auto vkey = GenerateCosignatureKeyPair("monitor.example/w", Path("w"), Path("w.pub"));
  ASSERT_TRUE(vkey.ok()) << vkey.status();
  EXPECT_EQ(Mode(Path("w")), 0600u);
  EXPECT_EQ(Mode(Path("w.pub")), 0644u);
  auto signer = LoadCosignatureSigner(Path("w"));
  auto verifier = LoadCosignatureVerifier(Path("w.pub"));
  ASSERT_TRUE(signer.ok() && verifier.ok());
  EXPECT_EQ(verifier->VerifierKey(), *vkey);
  auto ts = verifier->Verify("cp\n1\nx\n", signer->Sign("cp\n1\nx\n", 99));
  ASSERT_TRUE(ts.ok()) << ts.status();
  EXPECT_EQ(*ts, 99u);
  // Note keys and cosigning keys are not interchangeable.
  EXPECT_EQ(LoadNoteSigner(Path("w")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadNoteVerifier(Path("w.pub")).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(KeysTest, GenerateRefusesExistingFiles) {
  ASSERT_TRUE(GenerateNoteKeyPair("a", Path("k"), Path("k.pub")).ok());
  const std::string before = LoadNoteSigner(Path("k"))->PrivateKeyString();
  EXPECT_EQ(GenerateNoteKeyPair("a", Path("k"), Path("other.pub")).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_FALSE(Exists(Path("other.pub")));
  EXPECT_EQ(LoadNoteSigner(Path("k"))->PrivateKeyString(), before);
  // Public path taken: the new private file is removed again.
  EXPECT_EQ(GenerateCosignatureKeyPair("a", Path("new"), Path("k.pub")).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_FALSE(Exists(Path("new")));
  EXPECT_EQ(GenerateNoteKeyPair("bad name", Path("x"), Path("x.pub")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(Exists(Path("x")));
}

TEST_F(KeysTest, MissingAndEmptyFiles) {
  EXPECT_EQ(LoadNoteSigner(Path("missing")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(LoadCosignatureVerifier(Path("missing")).status().code(), StatusCode::kNotFound);
  Put(Path("empty"), "");
  EXPECT_EQ(LoadNoteSigner(Path("empty")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadCosignatureSigner(Path("empty")).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(KeysTest, DamagedPrivateKeyFiles) {
  const std::string skey = Vector("note_signer", "skey_go_format");
  const std::string secret = skey.substr(skey.size() - 44);  // base64 key
  ASSERT_EQ(secret.substr(0, 4), "AQcI");
  const std::string prefix = skey.substr(0, skey.size() - 44);
  // (file name, contents, a word the error must contain)
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"bad_base64", prefix + secret.substr(0, 43) + "!", "base64"},
      {"truncated_base64", prefix + secret.substr(0, 42), "base64"},
      {"truncated_whole_quads", prefix + secret.substr(0, 40), "29 bytes"},
      {"wrong_type", prefix + "BAcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUm", "type"},
      {"wrong_length", prefix + "AQcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIj", "bytes"},
      {"wrong_hash", "PRIVATE+KEY+example.org/keytrail-test-log+a58e01cf+" + secret, "hash"},
      {"renamed", "PRIVATE+KEY+example.org/other+a58e01ce+" + secret, "hash"},
      {"lost_prefix", secret, "PRIVATE+KEY"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    // Numbered files: the path must not supply the words looked for.
    const std::string path = Path("key" + std::to_string(i));
    ASSERT_TRUE(WritePrivateKeyFile(path, std::get<1>(c) + "\n").ok());
    absl::Status st = LoadNoteSigner(path).status();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << std::get<0>(c);
    EXPECT_NE(st.message().find(path), std::string::npos) << st;
    EXPECT_NE(st.message().find(std::get<2>(c)), std::string::npos) << st;
    EXPECT_EQ(st.message().find("AQcICQoL"), std::string::npos) << st;
    EXPECT_EQ(st.message().find("ICQoLDA0"), std::string::npos) << st;
  }
}

TEST_F(KeysTest, DamagedVerifierKeyFiles) {
  const std::string vkey = Vector("note_signer", "vkey");
  const std::string prefix = vkey.substr(0, vkey.size() - 44);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bad_base64", prefix + "!!!!"},
      {"wrong_type", prefix + "BADQWh0eolE5bVV6+9RYizxtmdvrly/tEKMlYuom3Nz6"},
      {"wrong_length", prefix + "AQDQWh0eolE5bVV6+9RYizxtmdvrly/tEKMlYuom"},
      {"wrong_hash", "example.org/keytrail-test-log+a58e01cf+" + vkey.substr(vkey.size() - 44)},
  };
  for (const auto& c : cases) {
    const std::string path = Path(c.first);
    ASSERT_TRUE(WritePublicKeyFile(path, c.second).ok());
    absl::Status st = LoadNoteVerifier(path).status();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << c.first;
    EXPECT_NE(st.message().find(path), std::string::npos) << st;
  }
}

}  // namespace
}  // namespace keytrail

namespace keytrail {
namespace {

std::string VrfTempPath(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  return std::string(base ? base : "/tmp") + "/vrf_" + name;
}

TEST(VrfKeysTest, GenerateLoadAndProve) {
  std::string priv = VrfTempPath("gen.key"), pub = VrfTempPath("gen.pub");
  auto vkey = GenerateVrfKeyPair("example.org/log", priv, pub);
  ASSERT_TRUE(vkey.ok()) << vkey.status();
  EXPECT_EQ(vkey->rfind("example.org/log+", 0), 0u);
  auto sk = LoadVrfPrivateKey(priv);
  ASSERT_TRUE(sk.ok()) << sk.status();
  auto pk = LoadVrfPublicKey(pub);
  ASSERT_TRUE(pk.ok()) << pk.status();
  EXPECT_EQ(pk->bytes(), sk->public_key().bytes());
  std::string proof = sk->Prove("alice");
  EXPECT_TRUE(pk->Verify("alice", proof).ok());
  struct stat st;
  ASSERT_EQ(stat(priv.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Generating over existing files is refused.
  EXPECT_EQ(GenerateVrfKeyPair("example.org/log", priv, pub).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST(VrfKeysTest, StringsRoundTripAndRejectDamage) {
  VrfPrivateKey key = VrfPrivateKey::Generate();
  std::string skey = FormatVrfPrivateKeyString("log.example", key);
  std::string vkey = FormatVrfPublicKeyString("log.example", key.public_key());
  auto sk = ParseVrfPrivateKeyString(skey);
  ASSERT_TRUE(sk.ok()) << sk.status();
  EXPECT_EQ(sk->name, "log.example");
  EXPECT_EQ(sk->key.bytes(), key.bytes());
  auto pk = ParseVrfPublicKeyString(vkey);
  ASSERT_TRUE(pk.ok()) << pk.status();
  EXPECT_EQ(pk->key.bytes(), key.public_key().bytes());
  // A note key is not a VRF key, and vice versa.
  auto note_signer = note::Ed25519NoteSigner::Generate("log.example");
  ASSERT_TRUE(note_signer.ok());
  EXPECT_EQ(ParseVrfPrivateKeyString(note_signer->PrivateKeyString()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseVrfPublicKeyString(note_signer->VerifierKey()).status().code(),
            absl::StatusCode::kInvalidArgument);
  // The key hash binds the name.
  std::string renamed = vkey;
  renamed.replace(0, std::string("log.example").size(), "log.exampla");
  EXPECT_EQ(ParseVrfPublicKeyString(renamed).status().code(), absl::StatusCode::kInvalidArgument);
  // A private string never parses as a public one.
  EXPECT_FALSE(ParseVrfPublicKeyString(skey).ok());
  // Errors never quote the secret.
  std::string damaged = skey.substr(0, skey.size() - 2) + "!!";
  auto bad = ParseVrfPrivateKeyString(damaged);
  ASSERT_FALSE(bad.ok());
  // The key is the fifth '+'-separated field (PRIVATE+KEY+name+hash+key); it is
  // base64, which may itself contain '+', so it is found by position, not by
  // the last '+'.
  size_t key_start = 0;
  for (int plus = 0; plus < 4; ++plus) key_start = skey.find('+', key_start) + 1;
  const std::string secret_prefix = skey.substr(key_start, 10);
  ASSERT_EQ(secret_prefix.size(), 10u);
  EXPECT_EQ(std::string(bad.status().message()).find(secret_prefix), std::string::npos)
      << bad.status();
}

TEST(VrfKeysTest, BadNamesAreRefused) {
  EXPECT_EQ(GenerateVrfKeyPair("has space", VrfTempPath("n1"), VrfTempPath("n2")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keytrail
