// The C2SP tlog-tiles objects of a log built in a test: what a log server
// would publish for its entries, made here from the entries alone (leaf
// hashes, then each level's full-tile roots), so a test can serve them from
// a server it controls and break them on purpose. Test-only; pure function.
#ifndef KEYTRAIL_TESTING_TILE_OBJECTS_H_
#define KEYTRAIL_TESTING_TILE_OBJECTS_H_

#include <map>
#include <string>

#include "absl/types/span.h"

namespace keytrail::test {

// Path -> bytes of every hash tile and entry bundle of the tree of
// entries.size() leaves: its full tiles and bundles, and its partial ones
// (width = that size's). No checkpoint. Merge the maps of several sizes to
// get what a log publishes epoch after epoch (older partial tiles stay).
std::map<std::string, std::string> TileObjects(absl::Span<const std::string> entries);

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_TILE_OBJECTS_H_
