#include "core/crypto/ed25519.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/crypto/random.h"

namespace keytrail {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::shared_ptr<EVP_PKEY> Share(EVP_PKEY* p) {
  return std::shared_ptr<EVP_PKEY>(p, EVP_PKEY_free);
}

const unsigned char* U8(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::FromBytes(
    absl::string_view raw) {
  if (raw.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Ed25519 public key must be 32 bytes, got ", raw.size()));
  }
  auto pkey = Share(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                                U8(raw), raw.size()));
  if (pkey == nullptr) {
    return absl::InvalidArgumentError("Ed25519 public key rejected");
  }
  return Ed25519PublicKey(std::string(raw), std::move(pkey));
}

bool Ed25519PublicKey::Verify(absl::string_view message,
                              absl::string_view signature) const {
  if (signature.size() != kEd25519SignatureSize) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (pkey_ == nullptr || ctx == nullptr) return false;
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) !=
      1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), U8(signature), signature.size(),
                          U8(message), message.size()) == 1;
}

Ed25519PrivateKey Ed25519PrivateKey::Generate() {
  std::string seed = RandomString(kEd25519SeedSize);
  auto key = FromSeed(seed);
  OPENSSL_cleanse(&seed[0], seed.size());
  if (!key.ok()) std::abort();  // a 32-byte seed is always accepted
  return *std::move(key);
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromSeed(
    absl::string_view seed) {
  if (seed.size() != kEd25519SeedSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Ed25519 private key seed must be 32 bytes, got ", seed.size()));
  }
  auto pkey = Share(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                                 U8(seed), seed.size()));
  if (pkey == nullptr) {
    return absl::InternalError("Ed25519 key construction failed");
  }
  unsigned char pub[kEd25519PublicKeySize];
  size_t pub_len = sizeof(pub);
  if (EVP_PKEY_get_raw_public_key(pkey.get(), pub, &pub_len) != 1 ||
      pub_len != sizeof(pub)) {
    return absl::InternalError("Ed25519 public key derivation failed");
  }
  auto public_key = Ed25519PublicKey::FromBytes(
      absl::string_view(reinterpret_cast<char*>(pub), pub_len));
  if (!public_key.ok()) return public_key.status();
  return Ed25519PrivateKey(std::string(seed), std::move(pkey),
                           *std::move(public_key));
}

Ed25519PrivateKey::~Ed25519PrivateKey() {
  if (!seed_.empty()) OPENSSL_cleanse(&seed_[0], seed_.size());
}

std::string Ed25519PrivateKey::Sign(absl::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string sig(kEd25519SignatureSize, '\0');
  size_t sig_len = sig.size();
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(&sig[0]),
                     &sig_len, U8(message), message.size()) != 1 ||
      sig_len != kEd25519SignatureSize) {
    // Signing with a valid key cannot fail short of memory exhaustion.
    std::abort();
  }
  return sig;
}

}  // namespace keytrail
