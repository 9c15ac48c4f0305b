#include "core/util/wipe.h"

namespace keytrail {

void WipeString(std::string* s) {
  volatile char* p = s->empty() ? nullptr : &(*s)[0];
  for (size_t i = 0; i < s->size(); ++i) p[i] = 0;
}

}  // namespace keytrail
