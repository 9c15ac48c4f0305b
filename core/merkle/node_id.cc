#include "core/merkle/node_id.h"

#include "absl/strings/str_cat.h"

namespace keytrail {
namespace merkle {

std::string NodeId::ToString() const { return absl::StrCat("(", level, ", ", index, ")"); }

std::ostream& operator<<(std::ostream& os, const NodeId& id) { return os << id.ToString(); }

}  // namespace merkle
}  // namespace keytrail
