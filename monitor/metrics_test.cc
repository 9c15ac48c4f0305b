#include "monitor/metrics.h"

#include "gtest/gtest.h"

namespace keytrail::monitor {
namespace {

TEST(MetricsTest, RendersEveryLogAndEscapesLabels) {
  v1::GetStatusResponse status;
  v1::LogStatus* a = status.add_logs();
  a->set_origin("example.org/a");
  a->set_state(v1::LogStatus::CATCHING_UP);
  a->set_entries_audited(1234);
  a->set_verified_size(1000);
  a->set_lag(234);
  v1::LogStatus* b = status.add_logs();
  b->set_origin("odd\"origin\\");
  b->set_state(v1::LogStatus::MISBEHAVING);
  b->add_evidence();
  const std::string text = RenderMetrics(status);
  EXPECT_NE(text.find("# TYPE keytrail_monitor_entries_audited_total counter\n"),
            std::string::npos);
  EXPECT_NE(text.find("keytrail_monitor_entries_audited_total{origin=\"example.org/a\"} 1234\n"),
            std::string::npos);
  EXPECT_NE(text.find("keytrail_monitor_lag_entries{origin=\"example.org/a\"} 234\n"),
            std::string::npos);
  EXPECT_NE(text.find("keytrail_monitor_state{origin=\"example.org/a\",state=\"CATCHING_UP\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("keytrail_monitor_state{origin=\"example.org/a\",state=\"OK\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("keytrail_monitor_evidence{origin=\"odd\\\"origin\\\\\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(MetricsTest, RendersServingAndFailingStorage) {
  v1::GetStatusResponse status;
  v1::LogStatus* a = status.add_logs();
  a->set_origin("example.org/a");
  a->set_state(v1::LogStatus::STORAGE_FAILING);
  status.set_serving(false);
  v1::StorageStatus* audit = status.add_storage();
  audit->set_database("audit database of \"a\"");
  audit->set_failing(true);
  audit->set_failed_writes(7);
  v1::StorageStatus* witness = status.add_storage();
  witness->set_database("witness database");
  const std::string text = RenderMetrics(status);
  EXPECT_NE(text.find("keytrail_monitor_serving 0\n"), std::string::npos) << text;
  EXPECT_NE(
      text.find("keytrail_monitor_state{origin=\"example.org/a\",state=\"STORAGE_FAILING\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("keytrail_monitor_storage_failing{database=\"audit database of \\\"a\\\"\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("keytrail_monitor_storage_failing{database=\"witness database\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("keytrail_monitor_storage_failed_writes_total{database=\"audit database of "
                      "\\\"a\\\"\"} 7\n"),
            std::string::npos)
      << text;
  status.set_serving(true);
  EXPECT_NE(RenderMetrics(status).find("keytrail_monitor_serving 1\n"), std::string::npos);
}

}  // namespace
}  // namespace keytrail::monitor
