// FillKeySet: a KeySet (core/protocol/key_set.h) as the v1::KeySet message an
// UpdateRequest carries. The keytrail tool's `update` and `demo` both build
// their requests with it. (The other direction, with the log's checks of
// what a client sent, is log_server/update_preparer.h's KeySetFromProto.)
//
// A pure function: thread-safe, no state.
#ifndef KEYTRAIL_CORE_PROTOCOL_KEY_SET_MESSAGE_H_
#define KEYTRAIL_CORE_PROTOCOL_KEY_SET_MESSAGE_H_

#include "core/protocol/key_set.h"
#include "proto/keytrail.pb.h"

namespace keytrail {

// Replaces *out (REQUIRES: out != nullptr) with `key_set`: the account key
// and signature when it has an account key, then its devices in its order.
void FillKeySet(const KeySet& key_set, v1::KeySet* out);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_PROTOCOL_KEY_SET_MESSAGE_H_
