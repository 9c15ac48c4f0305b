// The account chain (docs/PROTOCOL.md, "Account chain"):
//
//   head_0 = 32 zero bytes
//   head_v = SHA-256(0x20 || head_{v-1} || u64 v || u64 epoch_v ||
//                    commitment_v)
//
// The map holds only an account's latest head, which commits to every
// version the account ever had. Prefix 0x20 is the chain's hash domain, apart
// from the log's (0x00, 0x01) and the map's (0x10, 0x11).
//
// Pure functions: thread-safe, cannot fail.
#ifndef KEYTRAIL_CORE_PROTOCOL_CHAIN_H_
#define KEYTRAIL_CORE_PROTOCOL_CHAIN_H_

#include <cstdint>

#include "core/crypto/sha256.h"

namespace keytrail {

constexpr uint8_t kChainHeadPrefix = 0x20;

// head_0: 32 zero bytes, the head of an account before its first version.
Hash GenesisHead();

// head_v from head_{v-1} = `previous`. Computes the formula for any inputs;
// that versions start at 1 and grow by exactly 1 is for callers to check.
Hash ChainHead(const Hash& previous, uint64_t version, uint64_t epoch, const Hash& commitment);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_PROTOCOL_CHAIN_H_
