#include "verifier/cosignatures.h"

#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace verifier {
namespace {

const char kText[] = "example.org/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

class CosignaturesTest : public testing::Test {
 protected:
  note::CosignatureSigner m1_ = note::CosignatureSigner::Generate("one.example").value();
  note::CosignatureSigner m2_ = note::CosignatureSigner::Generate("two.example").value();
  std::vector<note::CosignatureVerifier> trusted_ = {m1_.Verifier(), m2_.Verifier()};
};

TEST_F(CosignaturesTest, CountsEachTrustedMonitorOnce) {
  std::vector<note::NoteSignature> lines = {m1_.SignAsNoteSignature(kText, 1),
                                            m1_.SignAsNoteSignature(kText, 2),
                                            m2_.SignAsNoteSignature(kText, 3)};
  EXPECT_EQ(CountCosignatures(kText, lines, trusted_), 2u);
  EXPECT_EQ(CountCosignatures(kText, {}, trusted_), 0u);
}

TEST_F(CosignaturesTest, BrokenAndUnknownLinesAreIgnored) {
  auto stranger = note::CosignatureSigner::Generate("stranger.example").value();
  note::NoteSignature broken = m2_.SignAsNoteSignature(kText, 1);
  broken.signature[30] ^= 1;
  note::NoteSignature short_line = m2_.SignAsNoteSignature(kText, 1);
  short_line.signature.resize(3);
  std::vector<note::NoteSignature> lines = {stranger.SignAsNoteSignature(kText, 1), broken,
                                            short_line, m1_.SignAsNoteSignature(kText, 1)};
  EXPECT_EQ(CountCosignatures(kText, lines, trusted_), 1u);
  // A line over other text does not count.
  EXPECT_EQ(CountCosignatures("other\n", lines, trusted_), 0u);
}

TEST_F(CosignaturesTest, OneKeyUnderTwoNamesCountsOnce) {
  auto again = note::CosignatureVerifier::Create("alias.example", m1_.Verifier().public_key());
  ASSERT_TRUE(again.ok());
  std::vector<note::CosignatureVerifier> trusted = {m1_.Verifier(), *again};
  std::vector<note::NoteSignature> lines = {m1_.SignAsNoteSignature(kText, 1)};
  note::NoteSignature renamed = m1_.SignAsNoteSignature(kText, 1);
  renamed.name = "alias.example";
  renamed.key_hash = again->key_hash();
  lines.push_back(renamed);
  EXPECT_EQ(CountCosignatures(kText, lines, trusted), 1u);
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
