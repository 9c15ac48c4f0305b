#include "testing/signed_checkpoint.h"

#include "core/note/note.h"

namespace keytrail::test {

note::Checkpoint CheckpointOf(absl::string_view signed_note) {
  auto n = note::ParseNote(signed_note);
  if (!n.ok()) return {};
  auto c = note::ParseCheckpoint(n->text);
  return c.ok() ? *c : note::Checkpoint{};
}

}  // namespace keytrail::test
