#include "fuzz/add_checkpoint_check.h"

#include "absl/strings/str_cat.h"
#include "core/crypto/sha256.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "fuzz/fixed_keys.h"

namespace keytrail {
namespace fuzz {
namespace {

absl::Status Fail(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("add-checkpoint check: ", why));
}

}  // namespace

absl::Status CheckAgainstFixedLog(const witness::AddCheckpointRequest& request) {
  static const note::Ed25519NoteVerifier log_key = LogSigner().Verifier();
  const note::NoteVerifier* keys[] = {&log_key};
  absl::StatusOr<note::OpenedNote> opened = note::OpenNote(request.checkpoint, keys);
  if (!opened.ok()) return opened.status();
  absl::StatusOr<note::Checkpoint> checkpoint = note::ParseCheckpoint(opened->text);
  if (!checkpoint.ok()) return checkpoint.status();
  if (checkpoint->origin != LogSigner().name()) return Fail("another origin");
  const uint64_t old_size = request.old_size;
  if (old_size > checkpoint->size) return Fail("old size above the checkpoint's");
  if (old_size > Log().size()) return Fail("old size above the fixed log's");
  const Hash old_root = old_size == 0 ? Hash{} : Log().CheckpointAt(old_size).root;
  return witness::CheckExtends(old_size, old_root, checkpoint->size, checkpoint->root,
                               request.proof);
}

}  // namespace fuzz
}  // namespace keytrail
