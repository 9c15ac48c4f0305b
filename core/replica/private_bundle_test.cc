#include "core/replica/private_bundle.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/bytes/reader.h"
#include "core/crypto/aes_gcm.h"
#include "core/crypto/hmac.h"
#include "core/keys/key_file.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace keytrail {
namespace replica {
namespace {

std::string Hex(const std::string& h) {
  auto out = HexDecode(h);
  EXPECT_TRUE(out.ok()) << h;
  return out.ok() ? *out : std::string();
}

std::string DeriveNonceForTest(const ReplicaKey& key, const std::string& aad,
                               const std::string& plaintext) {
  const Hash h = HmacSha256(key.nonce_key(), aad + plaintext);
  return std::string(reinterpret_cast<const char*>(h.data()), 12);
}

std::string Aes256GcmSealForTest(const ReplicaKey& key, const std::string& nonce,
                                 const std::string& plaintext, const std::string& aad) {
  return Aes256GcmSeal(key.encryption_key(), nonce, plaintext, aad);
}

ReplicaKey TestKey(char fill = 'k') {
  auto key = ReplicaKey::FromBytes(std::string(32, fill));
  EXPECT_TRUE(key.ok());
  return *key;
}

PrivatePart SamplePart() {
  PrivatePart p;
  p.epoch = 7;
  p.part = 1;
  p.first_log_index = 1000;
  p.updates.push_back(
      {"alice", std::string(32, 'o'), std::string("\x01\x00\x00\x00", 4), std::string(81, 'v')});
  p.updates.push_back({"bob", std::string(16, 'p'), std::string("\x01\x00\x00\x00", 4), {}});
  return p;
}

// The vector made by Go's standard library from docs/REPLICAS.md alone
// (testdata/gen_private_bundle_vector.go), checked field by field.
TEST(PrivateBundleTest, IndependentVector) {
  std::ifstream in("testdata/private_bundle_vector.json");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json v = nlohmann::json::parse(text.str());

  PrivatePart want;
  want.epoch = v.at("epoch").get<uint64_t>();
  want.part = v.at("part").get<uint32_t>();
  want.first_log_index = v.at("first_log_index").get<uint64_t>();
  for (const nlohmann::json& u : v.at("updates")) {
    PrivateUpdate update;
    update.account = u.at("account").get<std::string>();
    update.opening = Hex(u.at("opening_hex").get<std::string>());
    update.key_set = Hex(u.at("key_set_hex").get<std::string>());
    if (!u.at("vrf_proof_hex").is_null()) {
      update.vrf_proof = Hex(u.at("vrf_proof_hex").get<std::string>());
    }
    want.updates.push_back(update);
  }
  const std::string origin = v.at("origin").get<std::string>();
  const std::string plaintext = Hex(v.at("plaintext_hex").get<std::string>());

  // The plaintext, walked field by field as docs/REPLICAS.md lays it out.
  ByteReader r(plaintext);
  uint8_t format;
  uint64_t epoch, first;
  uint32_t part;
  uint16_t count;
  ASSERT_TRUE(r.ReadU8(&format) && r.ReadU64(&epoch) && r.ReadU32(&part) && r.ReadU64(&first) &&
              r.ReadU16(&count));
  EXPECT_EQ(format, 1);
  EXPECT_EQ(epoch, 1234067u);
  EXPECT_EQ(part, 2u);
  EXPECT_EQ(first, 300u);
  ASSERT_EQ(count, 2);
  for (const PrivateUpdate& u : want.updates) {
    absl::string_view account, opening, key_set, proof;
    uint8_t has_proof;
    ASSERT_TRUE(r.ReadU16Prefixed(&account) && r.ReadU8Prefixed(&opening) &&
                r.ReadU32Prefixed(&key_set) && r.ReadU8(&has_proof));
    EXPECT_EQ(account, u.account);
    EXPECT_EQ(opening, u.opening);
    EXPECT_EQ(key_set, u.key_set);
    EXPECT_EQ(has_proof, u.vrf_proof.has_value() ? 1 : 0);
    if (has_proof == 1) {
      ASSERT_TRUE(r.ReadBytes(81, &proof));
      EXPECT_EQ(proof, *u.vrf_proof);
    }
  }
  EXPECT_TRUE(r.Finish("vector").ok());

  // Our encoder, decoder, key derivation, associated data and sealing.
  EXPECT_EQ(HexEncode(EncodePrivatePart(want)), v.at("plaintext_hex").get<std::string>());
  auto decoded = DecodePrivatePart(plaintext);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->updates, want.updates);
  auto key = ReplicaKey::FromBytes(Hex(v.at("replica_key_hex").get<std::string>()));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(HexEncode(key->encryption_key()), v.at("encryption_key_hex").get<std::string>());
  EXPECT_EQ(HexEncode(key->nonce_key()), v.at("nonce_key_hex").get<std::string>());
  EXPECT_EQ(HexEncode(PrivatePartAad(origin, want.epoch, want.part)),
            v.at("aad_hex").get<std::string>());
  const std::string sealed = SealPrivatePart(*key, origin, want);
  EXPECT_EQ(HexEncode(sealed), v.at("sealed_hex").get<std::string>());
  EXPECT_EQ(HexEncode(sealed.substr(1, 12)), v.at("nonce_hex").get<std::string>());
  auto opened = OpenPrivatePart(*key, origin, want.epoch, want.part,
                                Hex(v.at("sealed_hex").get<std::string>()));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->first_log_index, want.first_log_index);
  EXPECT_EQ(opened->updates, want.updates);
}

TEST(PrivateBundleTest, PartCount) {
  EXPECT_EQ(PrivatePartCount(0), 0u);
  EXPECT_EQ(PrivatePartCount(1), 1u);
  EXPECT_EQ(PrivatePartCount(128), 1u);
  EXPECT_EQ(PrivatePartCount(129), 2u);
  EXPECT_EQ(PrivatePartCount(100000), 782u);
}

TEST(PrivateBundleTest, EveryTruncationAndTrailingByteIsRefused) {
  const std::string bytes = EncodePrivatePart(SamplePart());
  ASSERT_TRUE(DecodePrivatePart(bytes).ok());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto d = DecodePrivatePart(bytes.substr(0, n));
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << n;
  }
  EXPECT_EQ(DecodePrivatePart(bytes + '\0').status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PrivateBundleTest, NonCanonicalFieldsAreRefused) {
  const std::string good = EncodePrivatePart(SamplePart());
  // Offsets: format 0, epoch 1..8, part 9..12, first 13..20, count 21..22,
  // then alice: account length 23..24, "alice" 25..29, opening length 30.
  auto with = [&good](size_t at, char c) {
    std::string b = good;
    b[at] = c;
    return b;
  };
  const size_t alice_flag = 31 + 32 + 4 + 4;  // after the opening and key set
  for (const auto& [bytes, what] : std::vector<std::pair<std::string, std::string>>{
           {with(0, 2), "format 2"},
           {with(0, 0), "format 0"},
           {with(22, 0), "count 0"},
           {with(21, 1), "count 258"},
           {with(24, 0), "empty account"},
           {with(30, 15), "15-byte opening"},
           {with(30, 65), "65-byte opening"},
           {with(alice_flag, 2), "has_vrf_proof 2"},
       }) {
    EXPECT_EQ(DecodePrivatePart(bytes).status().code(), absl::StatusCode::kInvalidArgument) << what;
  }
  // A proof flag of 0 where the proof follows: its bytes become trailing garbage.
  EXPECT_FALSE(DecodePrivatePart(with(alice_flag, 0)).ok());
  // 129 updates do not fit a part.
  std::string many;
  {
    PrivatePart p = SamplePart();
    p.updates.resize(128, p.updates[1]);
    many = EncodePrivatePart(p);
    ASSERT_TRUE(DecodePrivatePart(many).ok());
    many[22] = static_cast<char>(129);
    EXPECT_EQ(DecodePrivatePart(many).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(PrivateBundleTest, SealingIsDeterministicAndBoundToLogEpochAndPart) {
  const ReplicaKey key = TestKey();
  const PrivatePart part = SamplePart();
  const std::string sealed = SealPrivatePart(key, "log.example", part);
  EXPECT_EQ(sealed, SealPrivatePart(key, "log.example", part));  // idempotent Puts
  auto opened = OpenPrivatePart(key, "log.example", 7, 1, sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->updates, part.updates);
  // Replayed at another log, epoch or part, or opened with another key.
  EXPECT_FALSE(OpenPrivatePart(key, "other.example", 7, 1, sealed).ok());
  EXPECT_FALSE(OpenPrivatePart(key, "log.example", 8, 1, sealed).ok());
  EXPECT_FALSE(OpenPrivatePart(key, "log.example", 7, 0, sealed).ok());
  EXPECT_FALSE(OpenPrivatePart(TestKey('K'), "log.example", 7, 1, sealed).ok());
  // Another plaintext gets another nonce.
  PrivatePart other = part;
  other.updates[1].opening[0] ^= 1;
  EXPECT_NE(SealPrivatePart(key, "log.example", other).substr(1, 12), sealed.substr(1, 12));
}

TEST(PrivateBundleTest, EveryDamagedSealedByteIsRefused) {
  const ReplicaKey key = TestKey();
  const std::string sealed = SealPrivatePart(key, "log.example", SamplePart());
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] ^= 0x40;
    EXPECT_EQ(OpenPrivatePart(key, "log.example", 7, 1, bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << i;
  }
  for (size_t n = 0; n < sealed.size(); ++n) {
    EXPECT_FALSE(OpenPrivatePart(key, "log.example", 7, 1, sealed.substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(OpenPrivatePart(key, "log.example", 7, 1, sealed + "x").ok());
}

TEST(PrivateBundleTest, ANonCanonicalNonceIsRefused) {
  // A part sealed correctly under AES-GCM but with a nonce other than the
  // derived one (what a second, non-deterministic sealer would write).
  const ReplicaKey key = TestKey();
  const PrivatePart part = SamplePart();
  const std::string nonce(12, 'r');
  const std::string sealed =
      absl::StrCat("\x01", nonce,
                   Aes256GcmSealForTest(key, nonce, EncodePrivatePart(part),
                                        PrivatePartAad("log.example", 7, 1)));
  auto opened = OpenPrivatePart(key, "log.example", 7, 1, sealed);
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(opened.status().message().find("nonce"), std::string::npos) << opened.status();
}

TEST(PrivateBundleTest, AWronglyLabelledPartIsRefused) {
  // Sealed for epoch 7 part 1 but claiming epoch 9 inside: the AAD is
  // checked first, so build it under the AAD of 9/1 on purpose.
  const ReplicaKey key = TestKey();
  PrivatePart part = SamplePart();
  part.epoch = 9;
  const std::string plaintext = EncodePrivatePart(part);
  const std::string aad = PrivatePartAad("log.example", 7, 1);
  const std::string nonce = DeriveNonceForTest(key, aad, plaintext);
  const std::string sealed =
      absl::StrCat("\x01", nonce, Aes256GcmSealForTest(key, nonce, plaintext, aad));
  auto opened = OpenPrivatePart(key, "log.example", 7, 1, sealed);
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(opened.status().message().find("expected epoch 7"), std::string::npos)
      << opened.status();
}

TEST(PrivateBundleTest, KeyFiles) {
  const std::string dir = ::testing::TempDir();
  const std::string good = absl::StrCat(dir, "/replica.key");
  ::unlink(good.c_str());
  const std::string contents = ReplicaKey::GenerateFileContents();
  EXPECT_EQ(contents.size(), 65u);
  ASSERT_TRUE(WritePrivateKeyFile(good, contents).ok());
  EXPECT_TRUE(ReplicaKey::FromFile(good, false).ok());
  // Mode: group-readable is refused unless allowed.
  ASSERT_EQ(::chmod(good.c_str(), 0640), 0);
  EXPECT_EQ(ReplicaKey::FromFile(good, false).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(ReplicaKey::FromFile(good, true).ok());
  EXPECT_EQ(ReplicaKey::FromFile(dir + "/missing.key", false).status().code(),
            absl::StatusCode::kNotFound);
  const std::string upper = contents.substr(0, 63) + "A";
  int i = 0;
  for (const std::string& bad :
       {contents.substr(0, 62), contents.substr(0, 64) + "00", upper, std::string(64, 'g')}) {
    const std::string path = absl::StrCat(dir, "/bad", i++, ".key");
    ::unlink(path.c_str());
    ASSERT_TRUE(WritePrivateKeyFile(path, bad).ok());
    auto key = ReplicaKey::FromFile(path, false);
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(key.status().message().find(bad.substr(0, 16)), std::string::npos);  // not logged
  }
  EXPECT_FALSE(ReplicaKey::FromBytes(std::string(31, 'k')).ok());
}

}  // namespace
}  // namespace replica
}  // namespace keytrail
