#include "core/protocol/batch_lookup.h"

namespace keytrail {

std::string LookupAnswerPrefix(const v1::LogProof& log) {
  v1::LookupResponse only_log;
  *only_log.mutable_log() = log;
  return only_log.SerializeAsString();
}

}  // namespace keytrail
