#include "core/crypto/aes_gcm.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

namespace keytrail {
namespace {

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

const unsigned char* U8(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

void Check(bool ok) {
  if (!ok) std::abort();  // the library failed on valid input: nothing is safe
}

// A context keyed for `encrypt`, with `aad` absorbed.
Ctx Begin(bool encrypt, absl::string_view key, absl::string_view nonce, absl::string_view aad) {
  if (key.size() != kAes256GcmKeySize || nonce.size() != kAesGcmNonceSize ||
      aad.size() > kAesGcmMaxMessage) {
    std::abort();
  }
  Ctx ctx(EVP_CIPHER_CTX_new());
  Check(ctx != nullptr);
  Check(EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr,
                          encrypt ? 1 : 0) == 1);
  Check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kAesGcmNonceSize, nullptr) == 1);
  Check(EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, U8(key), U8(nonce), encrypt ? 1 : 0) == 1);
  int n = 0;
  if (!aad.empty()) {
    Check(EVP_CipherUpdate(ctx.get(), nullptr, &n, U8(aad), static_cast<int>(aad.size())) == 1);
  }
  return ctx;
}

}  // namespace

std::string Aes256GcmSeal(absl::string_view key, absl::string_view nonce,
                          absl::string_view plaintext, absl::string_view aad) {
  if (plaintext.size() > kAesGcmMaxMessage) std::abort();
  Ctx ctx = Begin(true, key, nonce, aad);
  std::string out(plaintext.size() + kAesGcmTagSize, '\0');
  unsigned char* o = reinterpret_cast<unsigned char*>(&out[0]);
  int n = 0;
  if (!plaintext.empty()) {
    Check(EVP_CipherUpdate(ctx.get(), o, &n, U8(plaintext), static_cast<int>(plaintext.size())) ==
          1);
    Check(static_cast<size_t>(n) == plaintext.size());
  }
  int tail = 0;
  Check(EVP_CipherFinal_ex(ctx.get(), o + n, &tail) == 1 && tail == 0);
  Check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kAesGcmTagSize,
                            o + plaintext.size()) == 1);
  return out;
}

absl::StatusOr<std::string> Aes256GcmOpen(absl::string_view key, absl::string_view nonce,
                                          absl::string_view sealed, absl::string_view aad) {
  if (sealed.size() < kAesGcmTagSize) {
    return absl::InvalidArgumentError("AES-GCM: shorter than a tag");
  }
  if (sealed.size() > kAesGcmMaxMessage + kAesGcmTagSize) {
    return absl::InvalidArgumentError("AES-GCM: message too long");
  }
  const absl::string_view ciphertext = sealed.substr(0, sealed.size() - kAesGcmTagSize);
  std::string tag(sealed.substr(ciphertext.size()));
  Ctx ctx = Begin(false, key, nonce, aad);
  std::string out(ciphertext.size(), '\0');
  unsigned char* o = reinterpret_cast<unsigned char*>(&out[0]);
  int n = 0;
  if (!ciphertext.empty()) {
    Check(EVP_CipherUpdate(ctx.get(), o, &n, U8(ciphertext), static_cast<int>(ciphertext.size())) ==
          1);
  }
  Check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kAesGcmTagSize, &tag[0]) == 1);
  int tail = 0;
  if (EVP_CipherFinal_ex(ctx.get(), o + n, &tail) != 1) {
    // Wipe what was decrypted: it is unauthenticated.
    std::fill(out.begin(), out.end(), '\0');
    return absl::InvalidArgumentError("AES-GCM: authentication failed");
  }
  return out;
}

}  // namespace keytrail
