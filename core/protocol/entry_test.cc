#include "core/protocol/entry.h"

#include <string>
#include <variant>

#include "core/bytes/encoding.h"
#include "core/crypto/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

using testing::HasSubstr;

Hash Filled(uint8_t b) {
  Hash h;
  h.fill(b);
  return h;
}

const UpdateEntry kUpdate{Filled(0x11), 258, 5, Filled(0x22)};
const EpochEntry kEpoch{5, 1700000000000, Filled(0x33), 2};

// Golden encodings, written out field by field so the format cannot drift
// silently. protocol_golden.py prints the same bytes from its own encoder.
const std::string kUpdateEncoding = std::string("\x01\x01", 2) +              // format, kind 1
                                    std::string(32, '\x11') +                 // index
                                    std::string("\0\0\0\0\0\0\x01\x02", 8) +  // version 258
                                    std::string("\0\0\0\0\0\0\0\x05", 8) +    // epoch 5
                                    std::string(32, '\x22');                  // commitment
const std::string kEpochEncoding =
    std::string("\x01\x02", 2) +                    // format, kind 2
    std::string("\0\0\0\0\0\0\0\x05", 8) +          // epoch 5
    std::string("\0\0\x01\x8b\xcf\xe5\x68\x00", 8)  // 1700000000000 ms
    + std::string(32, '\x33') +                     // map_root
    std::string("\0\0\0\0\0\0\0\x02", 8);           // update_count 2

void ExpectInvalid(const absl::Status& status, absl::string_view part) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(part));
}

TEST(EntryTest, GoldenEncodings) {
  ASSERT_EQ(kUpdateEncoding.size(), kUpdateEntrySize);
  ASSERT_EQ(kEpochEncoding.size(), kEpochEntrySize);
  EXPECT_EQ(kUpdateEntrySize, 82u);
  EXPECT_EQ(kEpochEntrySize, 58u);
  EXPECT_EQ(EncodeEntry(kUpdate), kUpdateEncoding);
  EXPECT_EQ(EncodeEntry(kEpoch), kEpochEncoding);
  // Output of protocol_golden.py.
  EXPECT_EQ(HexEncode(kUpdateEncoding),
            "0101111111111111111111111111111111111111111111111111111111111111"
            "1111000000000000010200000000000000052222222222222222222222222222"
            "222222222222222222222222222222222222");
  EXPECT_EQ(HexEncode(kEpochEncoding),
            "010200000000000000050000018bcfe568003333333333333333333333333333"
            "3333333333333333333333333333333333330000000000000002");
}

TEST(EntryTest, GoldenLeafHashes) {
  // Output of protocol_golden.py: SHA-256(0x00 || entry).
  EXPECT_EQ(HexEncode(HashView(EntryLeafHash(kUpdateEncoding))),
            "b0857a82ac1aa13c9103072afc3068d9238ef90a8e378981c092f90112db6e4c");
  EXPECT_EQ(HexEncode(HashView(EntryLeafHash(kEpochEncoding))),
            "c15e57faab61372cd9c44274b17b002f0bfc868b92aaa6fe7b7567958227a3cb");
  EXPECT_EQ(EntryLeafHash(kEpochEncoding), Sha256Of(std::string(1, '\0') + kEpochEncoding));
}

TEST(EntryTest, DecodesGoldenEncodings) {
  absl::StatusOr<Entry> update = DecodeEntry(kUpdateEncoding);
  ASSERT_TRUE(update.ok()) << update.status();
  ASSERT_TRUE(std::holds_alternative<UpdateEntry>(*update));
  EXPECT_EQ(std::get<UpdateEntry>(*update), kUpdate);
  EXPECT_EQ(DecodeUpdateEntry(kUpdateEncoding).value(), kUpdate);

  absl::StatusOr<Entry> epoch = DecodeEntry(kEpochEncoding);
  ASSERT_TRUE(epoch.ok()) << epoch.status();
  ASSERT_TRUE(std::holds_alternative<EpochEntry>(*epoch));
  EXPECT_EQ(std::get<EpochEntry>(*epoch), kEpoch);
  EXPECT_EQ(DecodeEpochEntry(kEpochEncoding).value(), kEpoch);
}

TEST(EntryTest, RoundTripsExtremeValues) {
  UpdateEntry update{Filled(0xff), UINT64_MAX, UINT64_MAX, Filled(0x00)};
  EXPECT_EQ(DecodeUpdateEntry(EncodeEntry(update)).value(), update);
  update.version = 1;
  update.epoch = 0;
  EXPECT_EQ(DecodeUpdateEntry(EncodeEntry(update)).value(), update);
  EpochEntry epoch{0, 0, Filled(0x00), 0};  // the genesis epoch
  EXPECT_EQ(DecodeEpochEntry(EncodeEntry(epoch)).value(), epoch);
  epoch = EpochEntry{UINT64_MAX, UINT64_MAX, Filled(0xff), UINT64_MAX};
  EXPECT_EQ(DecodeEpochEntry(EncodeEntry(epoch)).value(), epoch);
}

TEST(EntryTest, OperatorEqualsComparesEveryField) {
  UpdateEntry u = kUpdate;
  u.index[0] ^= 1;
  EXPECT_NE(u, kUpdate);
  u = kUpdate;
  ++u.version;
  EXPECT_NE(u, kUpdate);
  u = kUpdate;
  ++u.epoch;
  EXPECT_NE(u, kUpdate);
  u = kUpdate;
  u.commitment[31] ^= 1;
  EXPECT_NE(u, kUpdate);

  EpochEntry e = kEpoch;
  ++e.epoch;
  EXPECT_NE(e, kEpoch);
  e = kEpoch;
  ++e.timestamp_ms;
  EXPECT_NE(e, kEpoch);
  e = kEpoch;
  e.map_root[0] ^= 1;
  EXPECT_NE(e, kEpoch);
  e = kEpoch;
  ++e.update_count;
  EXPECT_NE(e, kEpoch);
}

TEST(EntryTest, EveryTruncatedPrefixFails) {
  for (const std::string& encoding : {kUpdateEncoding, kEpochEncoding}) {
    for (size_t n = 0; n < encoding.size(); ++n) {
      std::string prefix = encoding.substr(0, n);
      EXPECT_EQ(DecodeEntry(prefix).status().code(), absl::StatusCode::kInvalidArgument)
          << "prefix " << n;
      EXPECT_EQ(DecodeUpdateEntry(prefix).status().code(), absl::StatusCode::kInvalidArgument)
          << "prefix " << n;
      EXPECT_EQ(DecodeEpochEntry(prefix).status().code(), absl::StatusCode::kInvalidArgument)
          << "prefix " << n;
    }
  }
  EXPECT_EQ(DecodeEntry("").status().message(), "entry: truncated at format");
  EXPECT_EQ(DecodeEntry("\x01").status().message(), "entry: truncated at kind");
  EXPECT_EQ(DecodeEntry(kUpdateEncoding.substr(0, 81)).status().message(),
            "update entry: body must be 80 bytes, got 79");
  EXPECT_EQ(DecodeEntry(kEpochEncoding.substr(0, 2)).status().message(),
            "epoch entry: body must be 56 bytes, got 0");
}

TEST(EntryTest, TrailingBytesFail) {
  ExpectInvalid(DecodeEntry(kUpdateEncoding + "x").status(),
                "update entry: body must be 80 bytes, got 81");
  ExpectInvalid(DecodeEntry(kEpochEncoding + "x").status(),
                "epoch entry: body must be 56 bytes, got 57");
  ExpectInvalid(DecodeUpdateEntry(kUpdateEncoding + "x").status(), "body must be 80 bytes");
  ExpectInvalid(DecodeEpochEntry(kEpochEncoding + "x").status(), "body must be 56 bytes");
}

TEST(EntryTest, UnknownFormat) {
  for (char format : {'\x00', '\x02', '\xff'}) {
    std::string bad = kUpdateEncoding;
    bad[0] = format;
    ExpectInvalid(DecodeEntry(bad).status(), "entry: unknown format");
    ExpectInvalid(DecodeUpdateEntry(bad).status(), "entry: unknown format");
  }
  std::string bad = kEpochEncoding;
  bad[0] = '\x02';
  ExpectInvalid(DecodeEpochEntry(bad).status(), "entry: unknown format 2");
}

TEST(EntryTest, UnknownKind) {
  for (char kind : {'\x00', '\x03', '\xff'}) {
    std::string bad = kUpdateEncoding;
    bad[1] = kind;
    ExpectInvalid(DecodeEntry(bad).status(), "entry: unknown kind");
    ExpectInvalid(DecodeUpdateEntry(bad).status(), "entry: unknown kind");
    ExpectInvalid(DecodeEpochEntry(bad).status(), "entry: unknown kind");
  }
}

TEST(EntryTest, UpdateVersionZeroIsRejected) {
  UpdateEntry zero = kUpdate;
  zero.version = 0;
  std::string encoded = EncodeEntry(zero);
  ExpectInvalid(DecodeEntry(encoded).status(), "update entry: version must be >= 1, got 0");
  ExpectInvalid(DecodeUpdateEntry(encoded).status(), "update entry: version must be >= 1, got 0");
}

TEST(EntryTest, WrongKindIsRejected) {
  absl::Status status = DecodeUpdateEntry(kEpochEncoding).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "entry: kind 2 (epoch entry), want kind 1 (update entry)");
  status = DecodeEpochEntry(kUpdateEncoding).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "entry: kind 1 (update entry), want kind 2 (epoch entry)");
}

TEST(EntryTest, SwappedKindByteDoesNotDecodeAsTheOtherKind) {
  // An update body under kind 2 (and vice versa) has the wrong length.
  std::string bad = kUpdateEncoding;
  bad[1] = '\x02';
  ExpectInvalid(DecodeEntry(bad).status(), "epoch entry: body must be 56 bytes, got 80");
  bad = kEpochEncoding;
  bad[1] = '\x01';
  ExpectInvalid(DecodeEntry(bad).status(), "update entry: body must be 80 bytes, got 56");
}

}  // namespace
}  // namespace keytrail
