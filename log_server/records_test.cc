#include "log_server/records.h"

#include "gtest/gtest.h"

namespace keytrail {
namespace {

Hash Filled(uint8_t b) {
  Hash h;
  h.fill(b);
  return h;
}

// Every truncation and one trailing byte must be DataLoss.
template <typename Decode>
void ExpectStrictDecoding(const std::string& encoded, Decode decode) {
  ASSERT_TRUE(decode(encoded).ok());
  for (size_t n = 0; n < encoded.size(); ++n) {
    EXPECT_EQ(decode(encoded.substr(0, n)).status().code(), absl::StatusCode::kDataLoss) << n;
  }
  EXPECT_EQ(decode(encoded + "x").status().code(), absl::StatusCode::kDataLoss);
  std::string wrong_format = encoded;
  wrong_format[0] = 2;
  EXPECT_EQ(decode(wrong_format).status().code(), absl::StatusCode::kDataLoss);
}

TEST(RecordsTest, LogConfigRoundTrip) {
  LogConfig c{"example.org/log", "example.org/log+01020304+AAAA", std::string(33, '\x02')};
  auto back = DecodeLogConfig(EncodeLogConfig(c));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->origin, c.origin);
  EXPECT_EQ(back->note_verifier_key, c.note_verifier_key);
  EXPECT_EQ(back->vrf_public_key, c.vrf_public_key);
  ExpectStrictDecoding(EncodeLogConfig(c), DecodeLogConfig);
}

TEST(RecordsTest, LogStateRoundTrip) {
  LogState s;
  s.epoch = 7;
  s.tree_size = 0x0102030405;
  s.timestamp_ms = 1764300000000;
  s.frontier = {Filled(1), Filled(2)};
  auto back = DecodeLogState(EncodeLogState(s));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->epoch, 7u);
  EXPECT_EQ(back->tree_size, 0x0102030405u);
  EXPECT_EQ(back->timestamp_ms, 1764300000000u);
  EXPECT_EQ(back->frontier, s.frontier);
  ExpectStrictDecoding(EncodeLogState(s), DecodeLogState);
}

TEST(RecordsTest, AccountAndVersionAndEpochRoundTrip) {
  AccountRecord a{Filled(9), std::string(81, 'p')};
  auto a2 = DecodeAccountRecord(EncodeAccountRecord(a));
  ASSERT_TRUE(a2.ok());
  EXPECT_EQ(a2->index, a.index);
  EXPECT_EQ(a2->vrf_proof, a.vrf_proof);
  ExpectStrictDecoding(EncodeAccountRecord(a), DecodeAccountRecord);

  AccountIdRecord id{"alice@example.com"};
  auto id2 = DecodeAccountIdRecord(EncodeAccountIdRecord(id));
  ASSERT_TRUE(id2.ok());
  EXPECT_EQ(id2->account, id.account);
  ExpectStrictDecoding(EncodeAccountIdRecord(id), DecodeAccountIdRecord);
  EXPECT_EQ(DecodeAccountIdRecord(std::string("\x01\x00\x00", 3)).status().code(),
            absl::StatusCode::kDataLoss);  // empty account

  VersionRecord v;
  v.epoch = 3;
  v.log_index = 99;
  v.previous_head = Filled(4);
  v.opening = std::string(32, 'o');
  v.key_set = std::string("\x01\x00\x00\x00", 4);
  auto v2 = DecodeVersionRecord(EncodeVersionRecord(v));
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->epoch, 3u);
  EXPECT_EQ(v2->log_index, 99u);
  EXPECT_EQ(v2->previous_head, v.previous_head);
  EXPECT_EQ(v2->opening, v.opening);
  EXPECT_EQ(v2->key_set, v.key_set);
  ExpectStrictDecoding(EncodeVersionRecord(v), DecodeVersionRecord);

  EpochRecord e{12, "origin\n12\nroot\n\n— origin sig\n"};
  auto e2 = DecodeEpochRecord(EncodeEpochRecord(e));
  ASSERT_TRUE(e2.ok());
  EXPECT_EQ(e2->tree_size, 12u);
  EXPECT_EQ(e2->checkpoint, e.checkpoint);
  ExpectStrictDecoding(EncodeEpochRecord(e), DecodeEpochRecord);
  // A replica's epoch that no checkpoint ends at has none.
  EpochRecord intermediate{13, ""};
  auto i2 = DecodeEpochRecord(EncodeEpochRecord(intermediate));
  ASSERT_TRUE(i2.ok()) << i2.status();
  EXPECT_EQ(i2->tree_size, 13u);
  EXPECT_EQ(i2->checkpoint, "");
  ExpectStrictDecoding(EncodeEpochRecord(intermediate), DecodeEpochRecord);

  CosignedRecord c{12, "origin\n12\nroot\n\n— origin sig\n— monitor cosig\n"};
  auto c2 = DecodeCosignedRecord(EncodeCosignedRecord(c));
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(c2->epoch, 12u);
  EXPECT_EQ(c2->note, c.note);
  ExpectStrictDecoding(EncodeCosignedRecord(c), DecodeCosignedRecord);

  TilesPublishedRecord t{7, 1234};
  auto t2 = DecodeTilesPublishedRecord(EncodeTilesPublishedRecord(t));
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ(t2->epoch, 7u);
  EXPECT_EQ(t2->tree_size, 1234u);
  EXPECT_EQ(EncodeTilesPublishedRecord(t),
            std::string("\x01\0\0\0\0\0\0\0\x07\0\0\0\0\0\0\x04\xd2", 17));
  ExpectStrictDecoding(EncodeTilesPublishedRecord(t), DecodeTilesPublishedRecord);
}

TEST(RecordsTest, KeysSortNumerically) {
  EXPECT_LT(U64Key(255), U64Key(256));
  EXPECT_LT(U64Key(1), U64Key(uint64_t{1} << 40));
  EXPECT_LT(VersionKey(Filled(1), 9), VersionKey(Filled(1), 10));
  EXPECT_LT(VersionKey(Filled(1), ~uint64_t{0}), VersionKey(Filled(2), 0));
}

}  // namespace
}  // namespace keytrail
