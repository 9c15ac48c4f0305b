// Process-wide settings a keytrail server makes once, at the start of main,
// before it starts any thread.
//
// ConfigureServerProcess() turns off abseil's Mutex deadlock detection.
// Debian's abseil is built without NDEBUG, so by default every
// absl::Mutex::Lock records the lock in a global acquisition graph
// (synchronization_internal::GraphCycles) under one process-wide spin lock:
// on the lookup path (the served state, the epoch context's iterator pool)
// that was 1.5-2% of the log server's CPU in the profiles of
// docs/BENCHMARKS.md ("Lookups, third pass"), and a point where all serving
// threads take the same lock. Tests and tools keep the detection on (they
// never call this), so lock-order mistakes still surface there.
//
// Thread safety: call once from main before other threads exist. Never
// fails.
#ifndef KEYTRAIL_CORE_UTIL_SERVER_PROCESS_H_
#define KEYTRAIL_CORE_UTIL_SERVER_PROCESS_H_

namespace keytrail {

void ConfigureServerProcess();

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_UTIL_SERVER_PROCESS_H_
