#include "testing/temp_database.h"

#include "gtest/gtest.h"
#include "testing/process.h"

namespace keytrail::test {

std::unique_ptr<Database> OpenTempDatabase(std::vector<std::string> column_families) {
  DatabaseOptions options;
  options.column_families = std::move(column_families);
  options.block_cache_bytes = 1 << 20;
  auto db = Database::Open(TempDir(testing::UnitTest::GetInstance()->current_test_info()->name()),
                           options);
  if (!db.ok()) {
    ADD_FAILURE() << db.status();
    return nullptr;
  }
  return *std::move(db);
}

}  // namespace keytrail::test
