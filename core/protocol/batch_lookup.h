// What makes a BatchLookup answer a Lookup answer (docs/PROTOCOL.md "Batch
// lookups"): AccountAnswer keeps LookupResponse's field numbers 2..5, so the
// batch's log proof encoded as field 1, followed by the bytes of answer i,
// is byte for byte account i's LookupResponse. Clients rebuild each answer
// this way and check it with the Lookup verifier; tests compare the server's
// answers with its Lookups this way.
//
// A pure function: thread-safe, no state.
#ifndef KEYTRAIL_CORE_PROTOCOL_BATCH_LOOKUP_H_
#define KEYTRAIL_CORE_PROTOCOL_BATCH_LOOKUP_H_

#include <string>

#include "proto/keytrail.pb.h"

namespace keytrail {

// The serialized LookupResponse that holds only `log` (field 1): put before
// a serialized AccountAnswer, it makes that answer's LookupResponse.
std::string LookupAnswerPrefix(const v1::LogProof& log);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_PROTOCOL_BATCH_LOOKUP_H_
