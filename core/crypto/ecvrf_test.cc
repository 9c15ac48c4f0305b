#include "core/crypto/ecvrf.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/crypto/sha256.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace keytrail {
namespace {

constexpr char kVectorsPath[] = "testdata/ecvrf_p256_sha256_tai.json";

// P-256's field prime and group order (SEC 2 section 2.4.2).
constexpr char kPHex[] = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
constexpr char kNHex[] = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

std::string Unhex(absl::string_view hex) {
  absl::StatusOr<std::string> bytes = HexDecode(hex);
  EXPECT_TRUE(bytes.ok()) << hex;
  return bytes.ok() ? *bytes : std::string();
}

// Adds a small number to a 32-byte big-endian integer, modulo 2^256.
std::string AddSmall(std::string x, unsigned t) {
  for (int i = 31; i >= 0 && t != 0; --i) {
    t += static_cast<uint8_t>(x[i]);
    x[i] = static_cast<char>(t & 0xff);
    t >>= 8;
  }
  return x;
}

// Subtracts a small number from a 32-byte big-endian integer >= it.
std::string SubtractSmall(std::string x, unsigned t) {
  unsigned borrow = t;
  for (int i = 31; i >= 0 && borrow != 0; --i) {
    unsigned byte = static_cast<uint8_t>(x[i]);
    unsigned take = borrow & 0xff;
    borrow >>= 8;
    if (byte < take) {
      byte += 256;
      ++borrow;
    }
    x[i] = static_cast<char>(byte - take);
  }
  return x;
}

std::string Scalar(unsigned t) { return AddSmall(std::string(32, '\0'), t); }

struct Vector {
  std::string sk, pk, alpha, h, pi, beta;
};

absl::StatusOr<std::string> HexField(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("no string field ", key));
  }
  return HexDecode(j[key].get<std::string>(), key);
}

absl::StatusOr<std::vector<Vector>> LoadVectors() {
  std::ifstream in(kVectorsPath);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot open ", kVectorsPath));
  }
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.contains("vectors") || !doc["vectors"].is_array()) {
    return absl::InvalidArgumentError("malformed vector file");
  }
  std::vector<Vector> out;
  for (const nlohmann::json& j : doc["vectors"]) {
    Vector v;
    std::string* fields[] = {&v.sk, &v.pk, &v.alpha, &v.h, &v.pi, &v.beta};
    const char* names[] = {"sk", "pk", "alpha", "h", "pi", "beta"};
    for (int i = 0; i < 6; ++i) {
      absl::StatusOr<std::string> f = HexField(j, names[i]);
      if (!f.ok()) return f.status();
      *fields[i] = *std::move(f);
    }
    // The text form must be the same input as the hex form.
    if (!j.contains("alpha_text") || !j["alpha_text"].is_string() ||
        j["alpha_text"].get<std::string>() != v.alpha) {
      return absl::InvalidArgumentError("alpha_text differs from alpha");
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::string BetaString(const absl::StatusOr<Hash>& beta) {
  return beta.ok() ? HashString(*beta) : std::string();
}

// RFC 9381 Appendix B.1, examples 10-12 (see testdata/README.md): the key
// pair, H, pi and beta, computed both ways (Prove + ProofToHash, and Verify
// of the vector's own pi).
TEST(EcvrfTest, ReferenceVectors) {
  absl::StatusOr<std::vector<Vector>> vectors = LoadVectors();
  ASSERT_TRUE(vectors.ok()) << vectors.status();
  ASSERT_EQ(vectors->size(), 3u);
  for (size_t i = 0; i < vectors->size(); ++i) {
    SCOPED_TRACE(absl::StrCat("vector ", i));
    const Vector& v = (*vectors)[i];
    absl::StatusOr<VrfPrivateKey> key = VrfPrivateKey::FromBytes(v.sk);
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(HexEncode(key->bytes()), HexEncode(v.sk));
    EXPECT_EQ(HexEncode(key->public_key().bytes()), HexEncode(v.pk));

    absl::StatusOr<VrfPublicKey> pub = VrfPublicKey::FromBytes(v.pk);
    ASSERT_TRUE(pub.ok()) << pub.status();
    EXPECT_TRUE(*pub == key->public_key());
    EXPECT_EQ(HexEncode(pub->HashToCurveForTesting(v.alpha)), HexEncode(v.h));

    std::string pi = key->Prove(v.alpha);
    EXPECT_EQ(HexEncode(pi), HexEncode(v.pi));
    absl::StatusOr<Hash> beta = VrfProofToHash(pi);
    ASSERT_TRUE(beta.ok()) << beta.status();
    EXPECT_EQ(HexEncode(HashView(*beta)), HexEncode(v.beta));

    absl::StatusOr<Hash> verified = pub->Verify(v.alpha, v.pi);
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_EQ(HexEncode(HashView(*verified)), HexEncode(v.beta));
  }
}

// Keys whose public points are known independently: 1*G, 2*G and (n-1)*G =
// -G (SEC 2's generator; -G has the same x and the other y parity).
TEST(EcvrfTest, KnownPublicKeys) {
  struct {
    std::string sk;
    const char* pk;
  } cases[] = {
      {Scalar(1), "036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"},
      {Scalar(2), "037cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978"},
      {SubtractSmall(Unhex(kNHex), 1),
       "026b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<VrfPrivateKey> key = VrfPrivateKey::FromBytes(c.sk);
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(HexEncode(key->public_key().bytes()), c.pk);
  }
}

class EcvrfProofTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::vector<Vector>> vectors = LoadVectors();
    ASSERT_TRUE(vectors.ok()) << vectors.status();
    v_ = (*vectors)[0];
    absl::StatusOr<VrfPublicKey> pub = VrfPublicKey::FromBytes(v_.pk);
    ASSERT_TRUE(pub.ok());
    pub_ = std::make_unique<VrfPublicKey>(*pub);
    // The vector's proof must verify: each test below breaks one thing.
    ASSERT_TRUE(pub_->Verify(v_.alpha, v_.pi).ok());
  }

  absl::StatusCode VerifyCode(absl::string_view proof) const {
    return pub_->Verify(v_.alpha, proof).status().code();
  }
  std::string WithGamma(const std::string& gamma) const { return gamma + v_.pi.substr(33); }
  std::string WithS(const std::string& s) const { return v_.pi.substr(0, 49) + s; }

  Vector v_;
  std::unique_ptr<VrfPublicKey> pub_;
};

TEST_F(EcvrfProofTest, WrongLengthProofsAreRejected) {
  for (const std::string& proof :
       {v_.pi.substr(0, 80), v_.pi + "x", std::string(), v_.pi.substr(0, 1), v_.pi + v_.pi}) {
    SCOPED_TRACE(proof.size());
    EXPECT_EQ(VerifyCode(proof), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(VrfProofToHash(proof).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(EcvrfProofTest, GammaWithBadPrefixIsRejected) {
  for (int prefix : {0x00, 0x01, 0x04, 0x05, 0x06, 0x07, 0x82, 0xff}) {
    SCOPED_TRACE(prefix);
    std::string proof = v_.pi;
    proof[0] = static_cast<char>(prefix);
    EXPECT_EQ(VerifyCode(proof), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(VrfProofToHash(proof).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

// Small x coordinates, sorted by whether the curve has a point there.
void SmallXs(std::vector<std::string>* on_curve, std::vector<std::string>* off_curve) {
  for (unsigned t = 0; t < 64; ++t) {
    std::string x = Scalar(t);
    (VrfPublicKey::FromBytes("\x02" + x).ok() ? on_curve : off_curve)->push_back(x);
  }
}

TEST_F(EcvrfProofTest, GammaNotOnTheCurveIsRejected) {
  std::vector<std::string> on, off;
  SmallXs(&on, &off);
  ASSERT_GE(off.size(), 10u);  // about half of all x have no point
  for (const std::string& x : off) {
    for (const char* prefix : {"\x02", "\x03"}) {
      std::string proof = WithGamma(prefix + x);
      EXPECT_EQ(VerifyCode(proof), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(VrfProofToHash(proof).status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

// x >= p is not a field element, even where x - p is the x of a point (a
// decoder that reduced mod p would accept those).
TEST_F(EcvrfProofTest, GammaWithXNotBelowPIsRejected) {
  std::vector<std::string> on, off;
  SmallXs(&on, &off);
  ASSERT_GE(on.size(), 10u);
  std::vector<std::string> xs = {Unhex(kPHex), std::string(32, '\xff')};
  for (const std::string& x : on) {
    xs.push_back(AddSmall(Unhex(kPHex), static_cast<uint8_t>(x[31])));  // p + x
  }
  for (const std::string& x : xs) {
    SCOPED_TRACE(HexEncode(x));
    std::string proof = WithGamma("\x02" + x);
    EXPECT_EQ(VerifyCode(proof), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(VrfProofToHash(proof).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

// -Gamma is a valid point, so the proof decodes (ProofToHash, which does not
// verify, returns some other beta) but does not verify.
TEST_F(EcvrfProofTest, NegatedGammaIsRejected) {
  std::string proof = v_.pi;
  proof[0] ^= 0x01;  // 0x02 <-> 0x03
  EXPECT_EQ(VerifyCode(proof), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<Hash> beta = VrfProofToHash(proof);
  ASSERT_TRUE(beta.ok()) << beta.status();
  EXPECT_NE(HashString(*beta), v_.beta);
}

TEST_F(EcvrfProofTest, AlteredChallengeIsRejected) {
  for (size_t i = 33; i < 49; ++i) {
    SCOPED_TRACE(i);
    std::string proof = v_.pi;
    proof[i] ^= 0x80;
    EXPECT_EQ(VerifyCode(proof), absl::StatusCode::kInvalidArgument);
    // ProofToHash decodes but does not check c.
    EXPECT_EQ(BetaString(VrfProofToHash(proof)), v_.beta);
  }
}

TEST_F(EcvrfProofTest, AlteredSIsRejected) {
  for (size_t i = 49; i < 81; ++i) {
    SCOPED_TRACE(i);
    std::string proof = v_.pi;
    proof[i] ^= 0x01;  // s stays below n: the vector's s starts 0x97
    EXPECT_EQ(VerifyCode(proof), absl::StatusCode::kInvalidArgument);
  }
  // s = n - 1 and s = 0 are in range, and wrong.
  EXPECT_EQ(VerifyCode(WithS(SubtractSmall(Unhex(kNHex), 1))), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyCode(WithS(std::string(32, '\0'))), absl::StatusCode::kInvalidArgument);
  // c = 0 and s = 0: zero scalars everywhere.
  EXPECT_EQ(VerifyCode(v_.pi.substr(0, 33) + std::string(48, '\0')),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(EcvrfProofTest, SNotBelowTheOrderIsRejected) {
  for (const std::string& s : {Unhex(kNHex), AddSmall(Unhex(kNHex), 1), std::string(32, '\xff')}) {
    SCOPED_TRACE(HexEncode(s));
    EXPECT_EQ(VerifyCode(WithS(s)), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(VrfProofToHash(WithS(s)).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(EcvrfProofTest, EveryBitFlipIsRejected) {
  for (size_t i = 0; i < v_.pi.size() * 8; ++i) {
    std::string proof = v_.pi;
    proof[i / 8] ^= static_cast<char>(1 << (i % 8));
    EXPECT_EQ(VerifyCode(proof), absl::StatusCode::kInvalidArgument) << "bit " << i;
  }
}

TEST_F(EcvrfProofTest, ProofForAnotherAlphaIsRejected) {
  for (const std::string& alpha :
       {std::string(), std::string("Sample"), v_.alpha + '\0', v_.alpha.substr(1)}) {
    EXPECT_EQ(pub_->Verify(alpha, v_.pi).status().code(), absl::StatusCode::kInvalidArgument)
        << alpha;
  }
}

TEST_F(EcvrfProofTest, ProofUnderAnotherKeyIsRejected) {
  VrfPrivateKey other = VrfPrivateKey::Generate();
  EXPECT_EQ(other.public_key().Verify(v_.alpha, v_.pi).status().code(),
            absl::StatusCode::kInvalidArgument);
  // And the other key's proof for the same alpha under this key.
  EXPECT_EQ(VerifyCode(other.Prove(v_.alpha)), absl::StatusCode::kInvalidArgument);
}

// RFC 9381's point_to_string is SEC1's, which encodes the identity as the
// single byte 0x00. A prover who uses the nonce k = 0 (RFC 6979 never gives
// it) makes U = V = identity; section 5.3 accepts that proof, and so does
// Verify, with the same beta: Gamma is still forced to be x*H.
TEST_F(EcvrfProofTest, IdentityUAndVAreEncodedAsSec1Says) {
  absl::StatusOr<VrfPrivateKey> key = VrfPrivateKey::FromBytes(v_.sk);
  ASSERT_TRUE(key.ok());
  const std::string gamma = v_.pi.substr(0, 33);
  const std::string h = pub_->HashToCurveForTesting(v_.alpha);
  Hash digest = Sha256()
                    .UpdateU8(0x01)
                    .UpdateU8(0x02)
                    .Update(v_.pk)
                    .Update(h)
                    .Update(gamma)
                    .UpdateU8(0x00)  // U
                    .UpdateU8(0x00)  // V
                    .UpdateU8(0x00)
                    .Finish();
  const std::string c = HashString(digest).substr(0, 16);

  // s = c * x mod n.
  auto u8 = [](const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); };
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM* bc = BN_bin2bn(u8(c), c.size(), nullptr);
  BIGNUM* bx = BN_bin2bn(u8(v_.sk), v_.sk.size(), nullptr);
  std::string n_bytes = Unhex(kNHex);
  BIGNUM* bn = BN_bin2bn(u8(n_bytes), n_bytes.size(), nullptr);
  BIGNUM* bs = BN_new();
  std::string s(32, '\0');
  ASSERT_TRUE(ctx && bc && bx && bn && bs);
  ASSERT_EQ(BN_mod_mul(bs, bc, bx, bn, ctx), 1);
  ASSERT_EQ(BN_bn2binpad(bs, reinterpret_cast<uint8_t*>(&s[0]), 32), 32);
  BN_free(bc);
  BN_clear_free(bx);
  BN_free(bn);
  BN_free(bs);
  BN_CTX_free(ctx);

  std::string proof = gamma + c + s;
  EXPECT_NE(proof, v_.pi);
  EXPECT_EQ(BetaString(pub_->Verify(v_.alpha, proof)), v_.beta);
  // The same proof with c computed over 33 zero bytes instead is not valid.
  Hash wrong = Sha256()
                   .UpdateU8(0x01)
                   .UpdateU8(0x02)
                   .Update(v_.pk)
                   .Update(h)
                   .Update(gamma)
                   .Update(std::string(66, '\0'))
                   .UpdateU8(0x00)
                   .Finish();
  EXPECT_EQ(VerifyCode(gamma + HashString(wrong).substr(0, 16) + s),
            absl::StatusCode::kInvalidArgument);
}

// Failed decodes must not leave errors on the caller's OpenSSL error queue
// (nor remove errors the caller had).
TEST_F(EcvrfProofTest, LibraryErrorQueueIsLeftAsItWas) {
  ERR_clear_error();
  std::vector<std::string> on, off;
  SmallXs(&on, &off);
  ASSERT_FALSE(off.empty());
  EXPECT_FALSE(pub_->Verify(v_.alpha, WithGamma("\x02" + off[0])).ok());
  EXPECT_TRUE(pub_->Verify(v_.alpha, v_.pi).ok());  // hashes to curve: ctr=1
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(EcvrfKeyTest, InvalidPublicKeysAreRejected) {
  std::vector<std::string> on, off;
  SmallXs(&on, &off);
  ASSERT_FALSE(on.empty());
  ASSERT_FALSE(off.empty());
  const std::string p = Unhex(kPHex);
  std::vector<std::string> bad = {
      std::string(),
      std::string(1, '\0'),   // SEC1's encoding of the identity
      std::string(33, '\0'),  // 33-byte "identity"
      std::string(32, '\x02'),
      "\x02" + on[0] + "x",    // 34 bytes
      "\x04" + on[0] + on[0],  // 65 bytes, uncompressed form
      "\x04" + on[0],          // 33 bytes, wrong prefix
      "\x00" + on[0],
      "\x01" + on[0],
      "\x05" + on[0],
      "\x02" + off[0],  // not on the curve
      "\x03" + off[0],
      "\x02" + p,                                             // x = p
      "\x02" + AddSmall(p, static_cast<uint8_t>(on[0][31])),  // x = p + x0
      "\x03" + std::string(32, '\xff'),
  };
  for (const std::string& raw : bad) {
    EXPECT_EQ(VrfPublicKey::FromBytes(raw).status().code(), absl::StatusCode::kInvalidArgument)
        << HexEncode(raw);
  }
  EXPECT_TRUE(VrfPublicKey::FromBytes("\x02" + on[0]).ok());
  EXPECT_TRUE(VrfPublicKey::FromBytes("\x03" + on[0]).ok());
}

// ecvrf.cc decompresses points itself (for speed); it must accept exactly
// the compressed encodings the library's own decoder accepts.
TEST(EcvrfKeyTest, PointDecodingAgreesWithTheLibrary) {
  EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  EC_POINT* point = EC_POINT_new(group);
  ASSERT_TRUE(group && point);
  const std::string p = Unhex(kPHex);
  std::vector<std::string> xs;
  for (unsigned t = 0; t < 8; ++t) xs.push_back(Scalar(t));
  for (unsigned t = 1; t < 8; ++t) {
    xs.push_back(SubtractSmall(p, t));
  }
  std::string seed = "ecvrf decoder";
  for (int i = 0; i < 300; ++i) {  // pseudo-random x, reproducibly
    seed = HashString(Sha256Of(seed));
    xs.push_back(seed);
  }
  int accepted = 0;
  for (const std::string& x : xs) {
    for (const char* prefix : {"\x02", "\x03"}) {
      const std::string raw = prefix + x;
      bool library = EC_POINT_oct2point(group, point, reinterpret_cast<const uint8_t*>(raw.data()),
                                        raw.size(), nullptr) == 1;
      bool ours = VrfPublicKey::FromBytes(raw).ok();
      EXPECT_EQ(ours, library) << HexEncode(raw);
      accepted += ours;
    }
  }
  ERR_clear_error();
  EXPECT_GT(accepted, 200);  // about half of them
  EXPECT_LT(accepted, 420);
  EC_POINT_free(point);
  EC_GROUP_free(group);
}

TEST(EcvrfKeyTest, InvalidPrivateKeysAreRejected) {
  const std::string n = Unhex(kNHex);
  for (const std::string& raw :
       {std::string(32, '\0'), n, AddSmall(n, 1), AddSmall(n, 1000), std::string(32, '\xff'),
        std::string(), std::string(31, '\x01'), std::string(33, '\x01'), std::string(1, '\x01')}) {
    EXPECT_EQ(VrfPrivateKey::FromBytes(raw).status().code(), absl::StatusCode::kInvalidArgument)
        << HexEncode(raw);
  }
  EXPECT_TRUE(VrfPrivateKey::FromBytes(Scalar(1)).ok());
  EXPECT_TRUE(VrfPrivateKey::FromBytes(SubtractSmall(n, 1)).ok());
}

TEST(EcvrfKeyTest, GeneratedKeysRoundTrip) {
  for (int i = 0; i < 8; ++i) {
    VrfPrivateKey key = VrfPrivateKey::Generate();
    EXPECT_EQ(key.bytes().size(), kVrfPrivateKeySize);
    ASSERT_EQ(key.public_key().bytes().size(), kVrfPublicKeySize);

    absl::StatusOr<VrfPrivateKey> again = VrfPrivateKey::FromBytes(key.bytes());
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->public_key() == key.public_key());
    absl::StatusOr<VrfPublicKey> pub = VrfPublicKey::FromBytes(key.public_key().bytes());
    ASSERT_TRUE(pub.ok());

    std::vector<std::string> betas;
    for (const std::string& alpha :
         {std::string(), std::string("alice@example.com"), std::string("alice@example.com") + '\0',
          std::string(1000, 'z')}) {
      std::string pi = key.Prove(alpha);
      ASSERT_EQ(pi.size(), kVrfProofSize);
      EXPECT_EQ(again->Prove(alpha), pi);  // deterministic
      absl::StatusOr<Hash> beta = VrfProofToHash(pi);
      ASSERT_TRUE(beta.ok()) << beta.status();
      absl::StatusOr<Hash> verified = pub->Verify(alpha, pi);
      ASSERT_TRUE(verified.ok()) << verified.status();
      EXPECT_EQ(*verified, *beta);
      betas.push_back(HashString(*beta));
    }
    for (size_t a = 0; a < betas.size(); ++a) {
      for (size_t b = a + 1; b < betas.size(); ++b) {
        EXPECT_NE(betas[a], betas[b]);
      }
    }
  }
  EXPECT_NE(VrfPrivateKey::Generate().bytes(), VrfPrivateKey::Generate().bytes());
}

TEST(EcvrfKeyTest, CopiesShareTheKey) {
  VrfPrivateKey key = VrfPrivateKey::Generate();
  VrfPrivateKey copy = key;
  EXPECT_TRUE(copy.public_key() == key.public_key());
  EXPECT_EQ(copy.Prove("x"), key.Prove("x"));
  VrfPublicKey pub = key.public_key();
  key = VrfPrivateKey::Generate();  // the copy outlives the original
  EXPECT_TRUE(pub.Verify("x", copy.Prove("x")).ok());
  EXPECT_FALSE(pub.Verify("x", key.Prove("x")).ok());
}

// One key and one public key shared by several threads at once.
TEST(EcvrfKeyTest, ConcurrentUseOfOneKey) {
  const VrfPrivateKey key = VrfPrivateKey::Generate();
  const VrfPublicKey& pub = key.public_key();
  std::vector<std::string> alphas, proofs;
  for (int i = 0; i < 16; ++i) {
    alphas.push_back(absl::StrCat("user", i));
    proofs.push_back(key.Prove(alphas.back()));
  }
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (size_t i = 0; i < alphas.size(); ++i) {
          if (key.Prove(alphas[i]) != proofs[i]) ++failures[t];
          absl::StatusOr<Hash> beta = pub.Verify(alphas[i], proofs[i]);
          if (!beta.ok() || BetaString(VrfProofToHash(proofs[i])) != HashString(*beta)) {
            ++failures[t];
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace keytrail
