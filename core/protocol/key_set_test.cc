#include "core/protocol/key_set.h"

#include <fstream>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/bytes/reader.h"
#include "core/crypto/ed25519.h"
#include "core/protocol/limits.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace keytrail {
namespace {

using testing::HasSubstr;

// clang-format off
// Golden encodings, written out field by field so the format cannot drift
// silently. protocol_golden.py prints the same bytes from its own encoder.
const std::string kPlainEncoding(
    "\x01"                      // format
    "\x00"                      // has_account_key
    "\x00\x02"                  // device_count
    "\x06" "laptop"             // device 0: id (sorts before "phone")
    "\x00\x02" "\xaa\xbb"       // device 0: key
    "\x05" "phone"              // device 1: id
    "\x00\x03" "\x01\x02\x03",  // device 1: key
    26);

KeySet PlainKeySet() {
  return KeySet{std::nullopt,
                {Device{"laptop", "\xaa\xbb"}, Device{"phone", "\x01\x02\x03"}},
                ""};
}

const std::string kSignedEncoding =
    std::string("\x01\x01", 2) +          // format, has_account_key
    std::string(32, '\xaa') +             // account_key
    std::string("\x00\x01", 2) +          // device_count
    std::string("\x03" "tab", 4) +        // device 0: id
    std::string("\x00\x01\x0f", 3) +      // device 0: key
    std::string(64, '\x5a');              // the key set's signature
// clang-format on

KeySet SignedKeySet() {
  return KeySet{std::string(32, '\xaa'), {Device{"tab", "\x0f"}}, std::string(64, '\x5a')};
}

// protocol_golden.py's key_set_signed.
const char kSignedHex[] =
    "0101aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaa00010374616200010f5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "5a5a5a5a5a5a5a5a5a5a5a";

const std::string kEmptyEncoding("\x01\x00\x00\x00", 4);

void ExpectInvalid(const absl::StatusOr<KeySet>& result, absl::string_view message_part) {
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(message_part));
}

void ExpectInvalid(const absl::StatusOr<std::string>& result, absl::string_view message_part) {
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(message_part));
}

void ExpectInvalid(const absl::Status& status, absl::string_view message_part) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(message_part));
}

TEST(KeySetTest, GoldenEncodings) {
  // Output of protocol_golden.py.
  EXPECT_EQ(HexEncode(kPlainEncoding), "01000002066c6170746f700002aabb0570686f6e650003010203");
  EXPECT_EQ(HexEncode(kEmptyEncoding), "01000000");
  EXPECT_EQ(HexEncode(kSignedEncoding), kSignedHex);

  EXPECT_EQ(EncodeKeySet(PlainKeySet()).value(), kPlainEncoding);
  EXPECT_EQ(EncodeKeySet(SignedKeySet()).value(), kSignedEncoding);
  EXPECT_EQ(EncodeKeySet(KeySet{}).value(), kEmptyEncoding);
}

TEST(KeySetTest, GoldenDecodings) {
  EXPECT_EQ(DecodeKeySet(kPlainEncoding).value(), PlainKeySet());
  EXPECT_EQ(DecodeKeySet(kSignedEncoding).value(), SignedKeySet());
  absl::StatusOr<KeySet> empty = DecodeKeySet(kEmptyEncoding);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(IsEmpty(*empty));
  EXPECT_FALSE(empty->account_key.has_value());
  EXPECT_FALSE(IsEmpty(PlainKeySet()));
}

TEST(KeySetTest, RoundTripsAtTheLimits) {
  // One device at the id and key maxima, with an account key.
  KeySet big{
      std::string(32, '\x01'),
      {Device{std::string(kMaxDeviceIdSize, '\xff'), std::string(kMaxDeviceKeySize, '\x02')}},
      std::string(64, '\x03')};
  absl::StatusOr<std::string> encoded = EncodeKeySet(big);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(DecodeKeySet(*encoded).value(), big);

  // 32 devices, ids of every length 1..32.
  KeySet many;
  for (size_t i = 1; i <= kMaxDevicesPerKeySet; ++i) {
    many.devices.push_back(Device{std::string(i, 'd'), std::string(i, 'k')});
  }
  encoded = EncodeKeySet(many);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(DecodeKeySet(*encoded).value(), many);
}

TEST(KeySetTest, OperatorEqualsComparesEveryField) {
  KeySet a = SignedKeySet();
  KeySet b = a;
  EXPECT_EQ(a, b);
  b.account_key = std::nullopt;
  EXPECT_NE(a, b);
  b = a;
  b.devices[0].device_id = "tac";
  EXPECT_NE(a, b);
  b = a;
  b.devices[0].device_key = "\x10";
  EXPECT_NE(a, b);
  b = a;
  b.signature[63] = 'x';
  EXPECT_NE(a, b);
  b = a;
  b.devices.push_back(Device{"x", "y"});
  EXPECT_NE(a, b);
}

TEST(KeySetTest, EveryTruncatedPrefixFails) {
  for (const std::string& encoding : {kPlainEncoding, kSignedEncoding, kEmptyEncoding}) {
    for (size_t n = 0; n < encoding.size(); ++n) {
      absl::StatusOr<KeySet> result = DecodeKeySet(encoding.substr(0, n));
      EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
          << HexEncode(encoding) << " prefix " << n;
    }
  }
  EXPECT_EQ(DecodeKeySet(kPlainEncoding.substr(0, 20)).status().message(),
            "key set: truncated at device 1 id");
}

TEST(KeySetTest, TrailingBytesFail) {
  for (const std::string& encoding : {kPlainEncoding, kSignedEncoding, kEmptyEncoding}) {
    ExpectInvalid(DecodeKeySet(encoding + std::string(1, '\0')), "1 trailing bytes");
  }
}

TEST(KeySetTest, DecodeRejectsUnknownFormat) {
  for (char format : {'\x00', '\x02', '\xff'}) {
    std::string bad = kPlainEncoding;
    bad[0] = format;
    ExpectInvalid(DecodeKeySet(bad), "key set: unknown format");
  }
}

TEST(KeySetTest, DecodeRejectsHasAccountKeyTwo) {
  std::string bad = kEmptyEncoding;
  bad[1] = '\x02';
  absl::StatusOr<KeySet> result = DecodeKeySet(bad);
  ExpectInvalid(result, "has_account_key must be 0 or 1, got 2");
}

// The encoder must refuse every limit broken by one, and accept the limit.
TEST(KeySetTest, EncodeEnforcesDeviceIdBounds) {
  KeySet ks{std::nullopt, {Device{"", "k"}}};
  EXPECT_EQ(EncodeKeySet(ks).status().message(),
            "key set: device 0 (id \"\"): device id must be 1..64 bytes, got 0");
  ks.devices[0].device_id = std::string(65, 'i');
  EXPECT_EQ(EncodeKeySet(ks).status().message(),
            "key set: device 0 (id \"" + std::string(64, 'i') +
                "\"...): device id must be 1..64 bytes, got 65");
  EXPECT_EQ(EncodeKeySet(ks).status().code(), absl::StatusCode::kInvalidArgument);
  ks.devices[0].device_id = std::string(64, 'i');
  EXPECT_TRUE(EncodeKeySet(ks).ok());
}

TEST(KeySetTest, EncodeEnforcesDeviceKeyBounds) {
  KeySet ks;
  for (const char* id : {"a", "b", "c", "phone"}) {
    ks.devices.push_back(Device{id, "k"});
  }
  ks.devices[3].device_key = "";
  absl::StatusOr<std::string> result = EncodeKeySet(ks);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            "key set: device 3 (id \"phone\"): device key must be 1..8192 "
            "bytes, got 0");
  ks.devices[3].device_key = std::string(8193, 'k');
  ExpectInvalid(EncodeKeySet(ks),
                "device 3 (id \"phone\"): device key must be 1..8192 bytes, "
                "got 8193");
  ks.devices[3].device_key = std::string(8192, 'k');
  EXPECT_TRUE(EncodeKeySet(ks).ok());
}

TEST(KeySetTest, EncodeEnforcesDeviceCount) {
  KeySet ks;
  for (int i = 0; i < 33; ++i) {
    ks.devices.push_back(Device{std::string(1, static_cast<char>('A' + i)), "k"});
  }
  ExpectInvalid(EncodeKeySet(ks), "key set: device count must be 0..32, got 33");
  ks.devices.pop_back();
  EXPECT_TRUE(EncodeKeySet(ks).ok());
}

TEST(KeySetTest, EncodeEnforcesAccountKeySize) {
  KeySet ks = SignedKeySet();
  ks.account_key = std::string(31, '\xaa');
  ExpectInvalid(EncodeKeySet(ks), "key set: account key must be 32 bytes, got 31");
  ks.account_key = std::string(33, '\xaa');
  ExpectInvalid(EncodeKeySet(ks), "account key must be 32 bytes, got 33");
}

TEST(KeySetTest, EncodeEnforcesSignaturePresence) {
  // A signature without an account key.
  KeySet ks = PlainKeySet();
  ks.signature = std::string(64, 's');
  EXPECT_EQ(EncodeKeySet(ks).status().message(),
            "key set: signature present but the key set has no account key");
  // An account key without a signature, or with a short one.
  ks = SignedKeySet();
  ks.signature.clear();
  EXPECT_EQ(EncodeKeySet(ks).status().message(), "key set: signature must be 64 bytes, got 0");
  ks.signature = std::string(63, 's');
  ExpectInvalid(EncodeKeySet(ks), "signature must be 64 bytes, got 63");
}

TEST(KeySetTest, SignatureComesAfterEveryDevice) {
  KeySet ks = SignedKeySet();
  ks.devices.push_back(Device{"tv", "\x01"});
  std::string encoded = EncodeKeySet(ks).value();
  EXPECT_EQ(encoded, kSignedEncoding.substr(0, kSignedEncoding.size() - 64).replace(35, 1, "\x02") +
                         std::string("\x02"
                                     "tv"
                                     "\x00\x01\x01",
                                     6) +
                         std::string(64, '\x5a'));
  EXPECT_EQ(DecodeKeySet(encoded).value(), ks);
}

TEST(KeySetTest, EncodeRejectsEmptyKeySetWithAccountKey) {
  KeySet ks{std::string(32, '\xaa'), {}, std::string(64, 's')};
  ExpectInvalid(EncodeKeySet(ks), "key set: the empty key set must not have an account key");
}

TEST(KeySetTest, EncodeRejectsDuplicateAndUnsortedIds) {
  KeySet ks{std::nullopt, {Device{"a", "k"}, Device{"a", "k2"}}};
  ExpectInvalid(EncodeKeySet(ks), "device 1 (id \"a\"): duplicate device id");
  ks = KeySet{std::nullopt, {Device{"b", "k"}, Device{"a", "k"}}};
  ExpectInvalid(EncodeKeySet(ks), "device 1 (id \"a\"): device ids must be strictly increasing");
  // Shorter first on a common prefix.
  ks = KeySet{std::nullopt, {Device{"ab", "k"}, Device{"a", "k"}}};
  ExpectInvalid(EncodeKeySet(ks), "strictly increasing");
}

TEST(KeySetTest, SortOrderIsBytewiseUnsigned) {
  // 0x80 sorts after 0x7f (a signed char compare would put it first), and a
  // prefix sorts before its extensions.
  KeySet ks{std::nullopt,
            {Device{"\x80", "k"}, Device{"ab", "k"}, Device{"\x7f", "k"}, Device{"a", "k"}}};
  EXPECT_FALSE(EncodeKeySet(ks).ok());
  SortDevices(&ks);
  ASSERT_EQ(ks.devices.size(), 4u);
  EXPECT_EQ(ks.devices[0].device_id, "a");
  EXPECT_EQ(ks.devices[1].device_id, "ab");
  EXPECT_EQ(ks.devices[2].device_id, "\x7f");
  EXPECT_EQ(ks.devices[3].device_id, "\x80");
  absl::StatusOr<std::string> encoded = EncodeKeySet(ks);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(DecodeKeySet(*encoded).value(), ks);
}

TEST(KeySetTest, SortDevicesKeepsDuplicatesForEncodeToReject) {
  KeySet ks{std::nullopt, {Device{"b", "1"}, Device{"a", "2"}, Device{"b", "3"}}};
  SortDevices(&ks);
  EXPECT_EQ(ks.devices[1].device_key, "1");  // stable
  EXPECT_EQ(ks.devices[2].device_key, "3");
  ExpectInvalid(EncodeKeySet(ks), "duplicate device id");
}

TEST(KeySetTest, WholeEncodingLimit) {
  // Seven devices with 8192-byte keys and one with 8156 make exactly 65536
  // bytes: 4 + 7 * (1 + 1 + 2 + 8192) + (1 + 1 + 2 + 8156).
  KeySet ks;
  for (char id = '0'; id < '8'; ++id) {
    ks.devices.push_back(Device{std::string(1, id), std::string(8192, 'k')});
  }
  ks.devices.back().device_key.resize(8156);
  absl::StatusOr<std::string> encoded = EncodeKeySet(ks);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(encoded->size(), kMaxKeySetSize);
  EXPECT_EQ(DecodeKeySet(*encoded).value(), ks);

  ks.devices.back().device_key.push_back('k');
  ExpectInvalid(EncodeKeySet(ks), "key set: encoding must be at most 65536 bytes, got 65537");

  // The same 65537 bytes, spelled out, are refused by the decoder too.
  std::string too_big = *encoded;
  // The last key's u16 length sits just before its 8156 bytes: 0x1fdc.
  ASSERT_EQ(too_big[too_big.size() - 8157], '\xdc');
  too_big[too_big.size() - 8157] = '\xdd';  // 8157
  too_big.push_back('k');
  ASSERT_EQ(too_big.size(), kMaxKeySetSize + 1);
  ExpectInvalid(DecodeKeySet(too_big), "key set: encoding must be at most 65536 bytes, got 65537");
}

// Hand-made encodings that break one rule each, for the decoder.
std::string Encoding(bool has_account_key, uint16_t count,
                     const std::vector<std::pair<std::string, std::string>>& devices,
                     size_t account_key_size = 32) {
  ByteWriter w;
  w.U8(1);
  w.U8(has_account_key ? 1 : 0);
  if (has_account_key) w.Bytes(std::string(account_key_size, '\xaa'));
  w.U16(count);
  for (const auto& d : devices) {
    w.U8Prefixed(d.first);
    w.U16Prefixed(d.second);
  }
  if (has_account_key) w.Bytes(std::string(64, 's'));
  return w.Release();
}

TEST(KeySetTest, HandMadeEncodingIsAccepted) {
  // So that the rejections below are due to the one thing each changes.
  EXPECT_TRUE(DecodeKeySet(Encoding(false, 2, {{"a", "k"}, {"b", "k"}})).ok());
  EXPECT_TRUE(DecodeKeySet(Encoding(true, 1, {{"a", "k"}})).ok());
}

TEST(KeySetTest, DecodeEnforcesLimits) {
  ExpectInvalid(DecodeKeySet(Encoding(false, 1, {{"", "k"}})),
                "device 0 (id \"\"): device id must be 1..64 bytes, got 0");
  ExpectInvalid(DecodeKeySet(Encoding(false, 1, {{std::string(65, 'i'), "k"}})),
                "device id must be 1..64 bytes, got 65");
  EXPECT_TRUE(DecodeKeySet(Encoding(false, 1, {{std::string(64, 'i'), "k"}})).ok());
  ExpectInvalid(DecodeKeySet(Encoding(false, 2, {{"a", "k"}, {"phone", ""}})),
                "device 1 (id \"phone\"): device key must be 1..8192 bytes, "
                "got 0");
  ExpectInvalid(DecodeKeySet(Encoding(false, 1, {{"a", std::string(8193, 'k')}})),
                "device key must be 1..8192 bytes, got 8193");
  EXPECT_TRUE(DecodeKeySet(Encoding(false, 1, {{"a", std::string(8192, 'k')}})).ok());

  std::vector<std::pair<std::string, std::string>> devices;
  for (int i = 0; i < 33; ++i) {
    devices.emplace_back(std::string(1, static_cast<char>('A' + i)), "k");
  }
  ExpectInvalid(DecodeKeySet(Encoding(false, 33, devices)),
                "key set: device count must be 0..32, got 33");
  devices.pop_back();
  EXPECT_TRUE(DecodeKeySet(Encoding(false, 32, devices)).ok());
  // A count far beyond the limit must not make the decoder reserve for it.
  ExpectInvalid(DecodeKeySet(Encoding(false, 0xffff, {})), "device count must be 0..32, got 65535");
}

TEST(KeySetTest, DecodeRejectsShortAccountKey) {
  // A 31-byte key shifts every later field; whatever it hits, it must fail.
  ExpectInvalid(DecodeKeySet(Encoding(true, 1, {{"a", "k"}}, 31)), "key set");
}

TEST(KeySetTest, DecodeRejectsDuplicateAndUnsortedIds) {
  ExpectInvalid(DecodeKeySet(Encoding(false, 2, {{"a", "k"}, {"a", "k"}})),
                "device 1 (id \"a\"): duplicate device id");
  ExpectInvalid(DecodeKeySet(Encoding(false, 2, {{"b", "k"}, {"a", "k"}})),
                "device 1 (id \"a\"): device ids must be strictly increasing");
  ExpectInvalid(DecodeKeySet(Encoding(false, 2, {{"ab", "k"}, {"a", "k"}})), "strictly increasing");
  ExpectInvalid(DecodeKeySet(Encoding(false, 2, {{"\x80", "k"}, {"\x7f", "k"}})),
                "strictly increasing");
}

TEST(KeySetTest, DecodeRejectsEmptyKeySetWithAccountKey) {
  ExpectInvalid(DecodeKeySet(Encoding(true, 0, {})),
                "key set: the empty key set must not have an account key");
}

TEST(KeySetTest, DecodeRejectsSignatureWithoutAccountKey) {
  // Without an account key there is no signature field: the 64 bytes after
  // the key are trailing.
  std::string bad = Encoding(false, 1, {{"a", "k"}}) + std::string(64, 's');
  ExpectInvalid(DecodeKeySet(bad), "key set: 64 trailing bytes");
}

// --- Key set signatures --------------------------------------------------

const char kAccount[] = "alice@example.com";
constexpr char kVectorsPath[] = "core/protocol/testdata/key_set_signature_vectors.json";

Ed25519PrivateKey AccountKey(char seed_byte) {
  return Ed25519PrivateKey::FromSeed(std::string(32, seed_byte)).value();
}

// laptop, phone and tablet, signed by `key` as `version` of kAccount.
KeySet SignedBy(const Ed25519PrivateKey& key, uint64_t version,
                std::initializer_list<const char*> ids = {"laptop", "phone", "tablet"}) {
  KeySet ks;
  for (const char* id : ids) {
    ks.devices.push_back(Device{id, std::string("key of ") + id});
  }
  absl::Status s = SignKeySet(key, kAccount, version, &ks);
  EXPECT_TRUE(s.ok()) << s;
  return ks;
}

void ExpectSignatureError(const absl::Status& status, absl::string_view message) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message(), message);
  EXPECT_TRUE(IsKeySetSignatureError(status)) << status;
}

TEST(KeySetSignatureTest, GoldenMessage) {
  KeySet ks{std::string(32, '\xaa'),
            {Device{"laptop", "\xaa\xbb"}, Device{"phone", "\x01\x02\x03"}},
            std::string(64, 's')};  // not part of the message
  // clang-format off
  const std::string want =
      std::string("keytrail key-set v1\0", 20) +            // context, NUL
      std::string("\x00\x11" "alice@example.com", 19) +     // opaque16 account
      std::string("\x00\x00\x00\x00\x00\x00\x01\x02", 8) +  // u64 version
      std::string("\x01\x01", 2) +                          // format, has key
      std::string(32, '\xaa') +                             // account key
      std::string("\x00\x02", 2) +                          // device count
      std::string("\x06" "laptop" "\x00\x02" "\xaa\xbb", 11) +
      std::string("\x05" "phone" "\x00\x03" "\x01\x02\x03", 11);
  // clang-format on
  absl::StatusOr<std::string> message = KeySetSignatureMessage(kAccount, 258, ks);
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(*message, want);
  // It is exactly the context, account and version, then the key set's
  // encoding without its signature.
  EXPECT_EQ(message->substr(20 + 19 + 8),
            EncodeKeySet(ks)->substr(0, EncodeKeySet(ks)->size() - 64));
}

// keytrail made the vector file (make_key_set_signature_vectors); Python's
// hashlib and `cryptography` recomputed it (check_vectors.py).
TEST(KeySetSignatureTest, MatchesVectorFile) {
  std::ifstream in(kVectorsPath);
  ASSERT_TRUE(in.good()) << kVectorsPath;
  nlohmann::json v = nlohmann::json::parse(in);
  ASSERT_GE(v["vectors"].size(), 5u);
  size_t valid = 0, invalid = 0;
  for (const auto& t : v["vectors"]) {
    SCOPED_TRACE(t["name"].get<std::string>());
    const std::string account = HexDecode(t["account"].get<std::string>()).value();
    const uint64_t version = t["version"].get<uint64_t>();
    const std::string encoded = HexDecode(t["key_set"].get<std::string>()).value();
    absl::StatusOr<KeySet> ks = DecodeKeySet(encoded);
    ASSERT_TRUE(ks.ok()) << ks.status();
    EXPECT_EQ(HexEncode(KeySetSignatureMessage(account, version, *ks).value()),
              t["message"].get<std::string>());
    absl::Status s = VerifyKeySetSignature(account, version, *ks);
    if (t["valid"].get<bool>()) {
      ++valid;
      EXPECT_TRUE(s.ok()) << s;
      // Ed25519 signatures are deterministic: signing again gives the bytes.
      KeySet unsigned_set = *ks;
      unsigned_set.signature.clear();
      Ed25519PrivateKey key =
          Ed25519PrivateKey::FromSeed(HexDecode(t["seed"].get<std::string>()).value()).value();
      ASSERT_TRUE(SignKeySet(key, account, version, &unsigned_set).ok());
      EXPECT_EQ(EncodeKeySet(unsigned_set).value(), encoded);
    } else {
      ++invalid;
      EXPECT_TRUE(IsKeySetSignatureError(s)) << s;
    }
  }
  EXPECT_GE(valid, 3u);
  EXPECT_GE(invalid, 3u);
}

TEST(KeySetSignatureTest, SignedKeySetVerifies) {
  Ed25519PrivateKey key = AccountKey('\x07');
  KeySet ks = SignedBy(key, 5);
  EXPECT_EQ(*ks.account_key, key.public_key().bytes());
  EXPECT_EQ(ks.signature.size(), 64u);
  EXPECT_TRUE(VerifyKeySetSignature(kAccount, 5, ks).ok());
  // The same after an encode/decode round trip, as a client receives it.
  KeySet decoded = DecodeKeySet(EncodeKeySet(ks).value()).value();
  EXPECT_TRUE(VerifyKeySetSignature(kAccount, 5, decoded).ok());
}

TEST(KeySetSignatureTest, NoAccountKeyHasNothingToVerify) {
  EXPECT_TRUE(VerifyKeySetSignature(kAccount, 1, PlainKeySet()).ok());
  EXPECT_TRUE(VerifyKeySetSignature(kAccount, 9, KeySet{}).ok());
}

// The replays the per-device signatures of the first protocol draft allowed
// (DESIGN-NOTES, "Key set signatures").
TEST(KeySetSignatureTest, RemovedDeviceReAddedIsRejected) {
  Ed25519PrivateKey key = AccountKey('\x07');
  KeySet v1 = SignedBy(key, 1, {"laptop", "phone"});
  KeySet v2 = SignedBy(key, 2, {"phone"});  // the user removed the laptop
  ASSERT_TRUE(VerifyKeySetSignature(kAccount, 2, v2).ok());
  // The server re-adds the laptop at version 3 with what it has: version
  // 1's signature, or version 2's.
  KeySet readded = v2;
  readded.devices = v1.devices;
  readded.signature = v1.signature;
  ExpectSignatureError(VerifyKeySetSignature(kAccount, 3, readded),
                       "key set signature: does not verify under the account key for version 3");
  readded.signature = v2.signature;
  ExpectSignatureError(VerifyKeySetSignature(kAccount, 3, readded),
                       "key set signature: does not verify under the account key for version 3");
}

TEST(KeySetSignatureTest, OlderKeySetRepublishedIsRejected) {
  Ed25519PrivateKey key = AccountKey('\x07');
  KeySet v1 = SignedBy(key, 1, {"laptop", "phone"});
  ASSERT_TRUE(VerifyKeySetSignature(kAccount, 1, v1).ok());
  for (uint64_t later : {2, 3, 1000}) {
    ExpectSignatureError(VerifyKeySetSignature(kAccount, later, v1),
                         absl::StrCat("key set signature: does not verify under "
                                      "the account key for version ",
                                      later));
  }
}

TEST(KeySetSignatureTest, EveryCoveredFieldMatters) {
  Ed25519PrivateKey key = AccountKey('\x07');
  const KeySet good = SignedBy(key, 4);
  KeySet ks = good;
  ks.devices.push_back(Device{"zz-server", "injected"});  // a rogue device
  EXPECT_TRUE(IsKeySetSignatureError(VerifyKeySetSignature(kAccount, 4, ks)));
  ks = good;
  ks.devices.erase(ks.devices.begin());  // a device dropped
  EXPECT_TRUE(IsKeySetSignatureError(VerifyKeySetSignature(kAccount, 4, ks)));
  ks = good;
  ks.devices[0].device_key = "server's key";  // a key swapped
  EXPECT_TRUE(IsKeySetSignatureError(VerifyKeySetSignature(kAccount, 4, ks)));
  ks = good;
  ks.devices[0].device_id = "laptoq";  // a device renamed
  EXPECT_TRUE(IsKeySetSignatureError(VerifyKeySetSignature(kAccount, 4, ks)));
  // Another account.
  EXPECT_TRUE(IsKeySetSignatureError(VerifyKeySetSignature("mallory@example.com", 4, good)));
  // Another account key, with or without the signature made by it.
  ks = good;
  ks.account_key = AccountKey('\x08').public_key().bytes();
  EXPECT_TRUE(IsKeySetSignatureError(VerifyKeySetSignature(kAccount, 4, ks)));
  ks = good;
  ks.signature = SignedBy(AccountKey('\x08'), 4).signature;
  EXPECT_TRUE(IsKeySetSignatureError(VerifyKeySetSignature(kAccount, 4, ks)));
  // A flipped bit anywhere in the signature.
  for (size_t i = 0; i < 64; i += 7) {
    ks = good;
    ks.signature[i] ^= 0x10;
    EXPECT_TRUE(IsKeySetSignatureError(VerifyKeySetSignature(kAccount, 4, ks))) << i;
  }
  EXPECT_TRUE(VerifyKeySetSignature(kAccount, 4, good).ok());
}

TEST(KeySetSignatureTest, BadAccountKeyIsASignatureError) {
  KeySet ks = SignedBy(AccountKey('\x07'), 1);
  // Not a point on the curve: either the key or the signature fails,
  // depending on how much the crypto library checks when parsing.
  ks.account_key = std::string(32, '\xff');
  absl::Status s = VerifyKeySetSignature(kAccount, 1, ks);
  EXPECT_TRUE(IsKeySetSignatureError(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("key set signature: "));
}

TEST(KeySetSignatureTest, MalformedInputIsNotASignatureError) {
  KeySet ks = SignedBy(AccountKey('\x07'), 1);
  absl::Status s = VerifyKeySetSignature("", 1, ks);
  ExpectInvalid(s, "account id: must be 1..256");
  EXPECT_FALSE(IsKeySetSignatureError(s));
  ExpectInvalid(VerifyKeySetSignature(std::string(257, 'a'), 1, ks),
                "account id: must be 1..256 bytes, got 257");
  KeySet unsorted = ks;
  std::swap(unsorted.devices[0], unsorted.devices[1]);
  s = VerifyKeySetSignature(kAccount, 1, unsorted);
  ExpectInvalid(s, "strictly increasing");
  EXPECT_FALSE(IsKeySetSignatureError(s));
  // An oversized id must be refused, not passed on to the message builder.
  KeySet long_id = ks;
  long_id.devices[2].device_id = std::string(300, 'z');
  ExpectInvalid(VerifyKeySetSignature(kAccount, 1, long_id),
                "device id must be 1..64 bytes, got 300");
  KeySet no_signature = ks;
  no_signature.signature.clear();
  s = VerifyKeySetSignature(kAccount, 1, no_signature);
  ExpectInvalid(s, "key set: signature must be 64 bytes, got 0");
  EXPECT_FALSE(IsKeySetSignatureError(s));
  ExpectSignatureError(VerifyKeySetSignature(kAccount, 0, ks),
                       "key set signature: version must be at least 1");
  // Payload-less statuses with the same text are not signature errors.
  EXPECT_FALSE(
      IsKeySetSignatureError(absl::InvalidArgumentError("key set signature: does not verify")));
  EXPECT_FALSE(IsKeySetSignatureError(absl::OkStatus()));
}

TEST(KeySetSignatureTest, SigningRejectsWhatCannotBeSigned) {
  Ed25519PrivateKey key = AccountKey('\x07');
  KeySet empty;
  ExpectInvalid(SignKeySet(key, kAccount, 1, &empty),
                "the empty key set must not have an account key");
  EXPECT_FALSE(empty.account_key.has_value());  // unchanged
  KeySet ks = PlainKeySet();
  ExpectInvalid(SignKeySet(key, kAccount, 0, &ks), "version must be at least 1");
  ExpectInvalid(SignKeySet(key, "", 1, &ks), "account id");
  EXPECT_EQ(ks, PlainKeySet());
  ExpectInvalid(KeySetSignatureMessage(kAccount, 1, PlainKeySet()),
                "key set signature: the key set has no account key");
}

// Regression (issue 9, bug 4): the identity point as the account key, with
// a fixed "signature" (R = identity, S = 0), passed the library's
// cofactorless check for every message: the server accepted the key set and
// clients said every device was signed. (Then each device carried it; since
// the key set signature, the one signature over the whole set does.)
TEST(KeySetTest, SmallOrderAccountKeySignsNothing) {
  std::string identity(32, '\0');
  identity[0] = 1;
  const std::string forged = identity + std::string(32, '\0');
  KeySet ks;
  ks.account_key = identity;
  ks.devices.push_back({"laptop", "key of laptop"});
  ks.devices.push_back({"phone", "key of phone"});
  ks.signature = forged;
  ASSERT_TRUE(EncodeKeySet(ks).ok());  // well-formed, so only the check can catch it
  absl::Status s = VerifyKeySetSignature("alice", 1, ks);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("small-order"), std::string::npos) << s;
}

}  // namespace
}  // namespace keytrail
