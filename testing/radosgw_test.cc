// Smoke test of the radosgw harness with curl: a signed PUT and GET, the
// conditional create the tile store relies on, Cache-Control kept, a gateway
// outage and its end, and no daemon left behind.
#include "testing/radosgw.h"

#include <signal.h>

#include <cerrno>
#include <fstream>
#include <iostream>

#include "gtest/gtest.h"
#include "testing/process.h"

namespace keytrail::test {
namespace {

bool ProcessGone(int pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

TEST(RadosgwTest, ServesS3AndStopsCleanly) {
  KEYTRAIL_SKIP_WITHOUT_RADOSGW();
  absl::StatusOr<std::unique_ptr<Radosgw>> gw = Radosgw::Start("radosgw");
  ASSERT_TRUE(gw.ok()) << gw.status();
  std::cerr << "radosgw started in " << (*gw)->start_time() << " on " << (*gw)->endpoint() << "\n";
  std::vector<int> pids = (*gw)->pids();
  ASSERT_EQ(pids.size(), 3u);

  const std::string file = (*gw)->dir() + "/tile";
  { std::ofstream(file) << "tile bytes"; }
  const std::string key = "/" + (*gw)->bucket() + "/prefix/tile/0/000";
  const std::vector<std::string> create = {
      "-T", file,
      "-H", "If-None-Match: *",
      "-H", "Cache-Control: public, max-age=604800, immutable"};
  EXPECT_EQ(*(*gw)->Curl(create, key), 200);
  // Create-only: a second conditional PUT of the key is refused.
  EXPECT_EQ(*(*gw)->Curl(create, key), 412);
  std::string body;
  EXPECT_EQ(*(*gw)->Curl({"-D", (*gw)->dir() + "/headers"}, key, &body), 200);
  EXPECT_EQ(body, "tile bytes");
  EXPECT_NE(
      ReadFile((*gw)->dir() + "/headers").find("Cache-Control: public, max-age=604800, immutable"),
      std::string::npos);
  EXPECT_EQ(*(*gw)->Curl({}, "/" + (*gw)->bucket() + "/prefix/absent"), 404);
  // radosgw checks SigV4 signatures (the later --user wins).
  EXPECT_EQ(*(*gw)->Curl({"--user", (*gw)->access_key() + ":wrong"}, key), 403);

  // An outage of the gateway alone: connections are refused, then the same
  // port serves the same objects again.
  ASSERT_TRUE((*gw)->StopGateway().ok());
  EXPECT_EQ(*(*gw)->Curl({}, key), 0);
  ASSERT_TRUE((*gw)->StartGateway().ok());
  body.clear();
  EXPECT_EQ(*(*gw)->Curl({}, key, &body), 200);
  EXPECT_EQ(body, "tile bytes");

  std::vector<int> after = (*gw)->pids();
  gw->reset();
  for (int pid : pids) EXPECT_TRUE(ProcessGone(pid)) << pid;
  for (int pid : after) EXPECT_TRUE(ProcessGone(pid)) << pid;
}

}  // namespace
}  // namespace keytrail::test
