// Overwriting secrets (decoded private keys, key files' bytes) before their
// memory is freed, so that they do not linger in the heap.
//
// Best effort: it cannot reach copies the code made elsewhere (a string that
// grew and reallocated, a register). Thread-compatible: the caller owns `s`.
#ifndef KEYTRAIL_CORE_UTIL_WIPE_H_
#define KEYTRAIL_CORE_UTIL_WIPE_H_

#include <string>

namespace keytrail {

// Sets every byte of `s` to zero through a volatile pointer, so the compiler
// may not drop the writes; the size stays.
void WipeString(std::string* s);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_UTIL_WIPE_H_
