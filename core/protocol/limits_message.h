// FillLimits: the limits of core/protocol/limits.h as the v1::Limits message
// a log announces in GetLogInfo. The log server and the fake log both fill
// their answer with it, so a client sees the same limits from either.
//
// A pure function: thread-safe, no state.
#ifndef KEYTRAIL_CORE_PROTOCOL_LIMITS_MESSAGE_H_
#define KEYTRAIL_CORE_PROTOCOL_LIMITS_MESSAGE_H_

#include "proto/keytrail.pb.h"

namespace keytrail {

// Sets every field of *out (REQUIRES: out != nullptr) to its constant in
// limits.h; fields the message gains later must be added here.
void FillLimits(v1::Limits* out);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_PROTOCOL_LIMITS_MESSAGE_H_
