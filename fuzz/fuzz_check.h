// FUZZ_CHECK: the property a fuzz target asserts. A failed check prints the
// condition and aborts, which libFuzzer reports as a crash and saves the
// input. Used only by the targets under fuzz/.
#ifndef KEYTRAIL_FUZZ_FUZZ_CHECK_H_
#define KEYTRAIL_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                               \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

#endif  // KEYTRAIL_FUZZ_FUZZ_CHECK_H_
