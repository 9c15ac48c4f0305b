// A RocksDB database for a unit test, in a fresh directory named after the
// running test, with the given column families. Test-only.
#ifndef KEYTRAIL_TESTING_TEMP_DATABASE_H_
#define KEYTRAIL_TESTING_TEMP_DATABASE_H_

#include <memory>
#include <string>
#include <vector>

#include "core/storage/database.h"

namespace keytrail::test {

// Aborts the test (ADD_FAILURE + nullptr) if the database can't be opened.
std::unique_ptr<Database> OpenTempDatabase(std::vector<std::string> column_families);

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_TEMP_DATABASE_H_
