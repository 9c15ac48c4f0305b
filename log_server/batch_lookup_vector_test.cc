// testdata/batch_lookup_vector.json (docs/PROTOCOL.md "Batch lookups"),
// checked field by field: the batch's wire bytes, that the batch's log
// proof followed by answer i is account i's Lookup answer, what those
// answers say; and that the server still makes exactly these bytes.
#include "log_server/batch_lookup_vector.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/bytes/encoding.h"
#include "core/bytes/reader.h"
#include "core/crypto/ecvrf.h"
#include "core/note/ed25519_note.h"
#include "core/note/note.h"
#include "core/protocol/key_set.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "proto/keytrail.pb.h"

namespace keytrail {
namespace {

std::string Hex(const std::string& h) {
  auto out = HexDecode(h);
  EXPECT_TRUE(out.ok()) << h;
  return out.ok() ? *out : std::string();
}

// A protobuf varint of at most 10 bytes, minimal (no trailing 0x80 00).
bool ReadVarint(ByteReader& r, uint64_t* out) {
  *out = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b;
    if (!r.ReadU8(&b)) return false;
    *out |= uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) return b != 0 || shift == 0;
  }
  return false;
}

// One length-delimited field: its tag byte must be `tag`.
bool ReadField(ByteReader& r, uint8_t tag, absl::string_view* body) {
  uint8_t t;
  uint64_t length;
  return r.ReadU8(&t) && t == tag && ReadVarint(r, &length) && r.ReadBytes(length, body);
}

nlohmann::json Vector() {
  std::ifstream in("testdata/batch_lookup_vector.json");
  EXPECT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

TEST(BatchLookupVectorTest, DecodesFieldByField) {
  const nlohmann::json v = Vector();
  const std::string batch = Hex(v["batch_lookup_response"]);
  const std::string log = Hex(v["log_proof"]);
  ASSERT_EQ(v["accounts"].size(), 2u);
  ASSERT_EQ(v["answers"].size(), 2u);
  ASSERT_EQ(v["lookup_responses"].size(), 2u);

  // BatchLookupResponse: field 1 (tag 0x0a) the log proof, then field 2
  // (tag 0x12) once per answer, and nothing after.
  ByteReader r(batch);
  absl::string_view field;
  ASSERT_TRUE(ReadField(r, 0x0a, &field));
  EXPECT_EQ(field, log);
  const absl::string_view log_field =
      absl::string_view(batch).substr(0, batch.size() - r.remaining());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(ReadField(r, 0x12, &field)) << i;
    const std::string answer = Hex(v["answers"][i]);
    EXPECT_EQ(field, answer);
    // The log proof as field 1, then answer i: account i's Lookup answer.
    EXPECT_EQ(absl::StrCat(log_field, answer), Hex(v["lookup_responses"][i])) << i;
  }
  EXPECT_TRUE(r.Finish("batch").ok());

  // The Lookup answers: the checkpoint verifies under the log's key at the
  // vector's size; alice has version 1 with one device; mallory is absent,
  // with a VRF proof of her name.
  auto verifier = note::ParseVerifierKey(v["note_verifier_key"].get<std::string>());
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  auto vrf = VrfPublicKey::FromBytes(Hex(v["vrf_public_key"]));
  ASSERT_TRUE(vrf.ok()) << vrf.status();
  v1::LookupResponse alice, mallory;
  ASSERT_TRUE(alice.ParseFromString(Hex(v["lookup_responses"][0])));
  ASSERT_TRUE(mallory.ParseFromString(Hex(v["lookup_responses"][1])));
  const note::NoteVerifier* verifiers[] = {&*verifier};
  auto opened = note::OpenNote(alice.log().checkpoint(), verifiers);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text.substr(0, opened->text.find('\n')), v["origin"].get<std::string>());
  EXPECT_NE(opened->text.find(absl::StrCat("\n", v["tree_size"].get<uint64_t>(), "\n")),
            std::string::npos);
  EXPECT_FALSE(alice.log().consistency_proof().empty());  // from last_verified_size 1
  EXPECT_EQ(alice.log().SerializeAsString(), log);
  EXPECT_EQ(mallory.log().SerializeAsString(), log);

  EXPECT_TRUE(vrf->Verify(v["accounts"][0].get<std::string>(), alice.vrf_proof()).ok());
  EXPECT_EQ(alice.current().version(), 1u);
  auto key_set = DecodeKeySet(alice.current().key_set());
  ASSERT_TRUE(key_set.ok()) << key_set.status();
  ASSERT_EQ(key_set->devices.size(), 1u);
  EXPECT_EQ(key_set->devices[0].device_id, "phone");
  EXPECT_EQ(alice.current().opening(), std::string(32, 'a'));
  EXPECT_EQ(alice.previous_head().size(), 32u);

  EXPECT_TRUE(vrf->Verify(v["accounts"][1].get<std::string>(), mallory.vrf_proof()).ok());
  EXPECT_FALSE(mallory.has_current());
  EXPECT_TRUE(mallory.previous_head().empty());
  EXPECT_FALSE(mallory.map_proof().empty());
}

// The decoding above is strict: a truncated batch or a trailing byte does
// not pass it, and neither parses as the same message.
TEST(BatchLookupVectorTest, TruncatedOrTrailingBytesDoNotDecode) {
  const nlohmann::json v = Vector();
  const std::string batch = Hex(v["batch_lookup_response"]);
  auto decodes = [](const std::string& bytes) {
    ByteReader r(bytes);
    absl::string_view field;
    return ReadField(r, 0x0a, &field) && ReadField(r, 0x12, &field) && ReadField(r, 0x12, &field) &&
           r.Finish("batch").ok();
  };
  EXPECT_TRUE(decodes(batch));
  EXPECT_FALSE(decodes(batch.substr(0, batch.size() - 1)));
  EXPECT_FALSE(decodes(batch.substr(0, 3)));
  EXPECT_FALSE(decodes(batch + std::string(1, '\0')));
  v1::BatchLookupResponse parsed;
  EXPECT_FALSE(parsed.ParseFromString(batch.substr(0, batch.size() - 1)));
}

// The log server's code, on the same log, still answers exactly the
// committed bytes (every input is fixed: keys, timestamps, openings).
TEST(BatchLookupVectorTest, TheServerMakesTheseBytes) {
  const nlohmann::json v = Vector();
  const char* tmp = std::getenv("TEST_TMPDIR");
  auto made = test::MakeBatchLookupVector(std::string(tmp ? tmp : "/tmp") + "/batch_vector");
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->note_verifier_key, v["note_verifier_key"].get<std::string>());
  EXPECT_EQ(HexEncode(made->vrf_public_key), v["vrf_public_key"].get<std::string>());
  EXPECT_EQ(made->last_verified_size, v["last_verified_size"].get<uint64_t>());
  EXPECT_EQ(HexEncode(made->batch_response), v["batch_lookup_response"].get<std::string>());
  ASSERT_EQ(made->lookup_responses.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(HexEncode(made->lookup_responses[i]), v["lookup_responses"][i].get<std::string>());
  }
}

}  // namespace
}  // namespace keytrail
