// The protocol version and the size limits of keytrail protocol version 1
// (docs/PROTOCOL.md, "Limits"). The log server, the fake log and the verifier
// all read them from here, so they cannot drift apart.
// Encoders refuse, and decoders reject, anything outside them; a request that
// breaks one fails with InvalidArgument naming the field.
//
// Pure constants and a pure function: thread-safe, no state.
#ifndef KEYTRAIL_CORE_PROTOCOL_LIMITS_H_
#define KEYTRAIL_CORE_PROTOCOL_LIMITS_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace keytrail {

// The protocol version a log announces in GetLogInfo and the verifier
// requires (docs/PROTOCOL.md).
constexpr uint32_t kProtocolVersion = 1;

// Account id: 1..256 bytes.
constexpr size_t kMaxAccountIdSize = 256;
// Device id: 1..64 bytes.
constexpr size_t kMaxDeviceIdSize = 64;
// Device public key: 1..8192 bytes, so post-quantum keys of a few KB fit.
constexpr size_t kMaxDeviceKeySize = 8192;
// Devices in one key set: 0..32 (0 is the empty key set).
constexpr size_t kMaxDevicesPerKeySet = 32;
// A whole encoded key set. 32 devices at their individual maxima would not
// fit; this cap is what bounds a key set.
constexpr size_t kMaxKeySetSize = 65536;
// Commitment opening: 16..64 bytes; the log server makes kOpeningSize random
// bytes.
constexpr size_t kMinOpeningSize = 16;
constexpr size_t kMaxOpeningSize = 64;
constexpr size_t kOpeningSize = 32;
// Updates in one BatchUpdate call: 1..1000.
constexpr size_t kMaxBatchUpdates = 1000;
// Accounts in one BatchLookup call: 1..128. Its answer is bounded by
// kMaxAnswerBytes like a History page: the answers that fit, at least one.
constexpr size_t kMaxBatchLookups = 128;
// One gRPC request: 8 MiB.
constexpr size_t kMaxRequestBytes = size_t{8} << 20;
// Versions in one History answer (one page; more follow in further pages).
constexpr size_t kMaxHistoryVersions = 10000;
// Entries in one GetEntries answer.
constexpr size_t kMaxEntriesPerRequest = 1000;
// The bytes of one History or GetEntries answer, proofs included: a quarter
// of gRPC's default 4 MiB receive limit, so every client can read every
// answer and the server's memory per call stays small. An answer always
// holds at least one version (or entry), which keeps it under this bound
// too: one key set is at most kMaxKeySetSize.
constexpr size_t kMaxAnswerBytes = size_t{1} << 20;

// OK if `account` is 1..kMaxAccountIdSize bytes; otherwise InvalidArgument
// "account id: must be 1..256 bytes, got N". Account ids are opaque bytes:
// any byte values are allowed.
absl::Status ValidateAccountId(absl::string_view account);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_PROTOCOL_LIMITS_H_
