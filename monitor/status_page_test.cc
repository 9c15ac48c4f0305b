// The status page's HTML: what it shows of each log, peer and piece of
// evidence, and that nothing from a log can inject markup.
#include "monitor/status_page.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace keytrail::monitor {
namespace {

StatusPageInput Input() {
  StatusPageInput in;
  in.cosigner_name = "monitor.example/a";
  in.cosigner_key = "monitor.example/a+01234567+AAAA";
  in.cosignatures_issued = 42;
  in.now = absl::FromUnixSeconds(1700000100);
  in.status.set_serving(true);
  v1::LogStatus* ok = in.status.add_logs();
  ok->set_origin("good.example/log");
  ok->set_state(v1::LogStatus::CATCHING_UP);
  ok->set_verified_size(250);
  ok->set_log_size(1000);
  ok->set_lag(750);
  ok->set_epoch(7);
  ok->set_epoch_timestamp_ms(1700000070000);
  ok->set_entries_per_second(125);
  ok->set_seconds_left(6);
  ok->set_verified_checkpoint("good.example/log\n250\nroot\n\n— good.example/log sig\n");
  v1::LogStatus* bad = in.status.add_logs();
  bad->set_origin("bad.example/<script>alert(1)</script>");
  bad->set_state(v1::LogStatus::MISBEHAVING);
  bad->set_last_error("split view \"here\" & 'there'");
  v1::EvidenceInfo* e = bad->add_evidence();
  e->set_summary("split view: sizes 5 and 5 <b>");
  e->set_file("/data/evidence/bad example<1>.evidence");
  e->set_evidence("EVIDENCE-BYTES");
  PeerView p;
  p.name = "monitor.example/b";
  p.url = "http://127.0.0.1:1/";
  p.checkpoints = 9;
  p.last_success = absl::FromUnixSeconds(1700000090);
  in.peers.push_back(p);
  PeerView q;
  q.name = "monitor.example/c";
  q.url = "http://127.0.0.1:2/";
  q.failing = true;
  q.last_error = "connection refused";
  in.peers.push_back(q);
  return in;
}

TEST(StatusPageTest, ShowsEachLogPeerAndEvidence) {
  const std::string page = RenderStatusPage(Input());
  EXPECT_TRUE(absl::StartsWith(page, "<!DOCTYPE html>"));
  for (const char* want :
       {"monitor.example/a", "42 cosignatures issued", "good.example/log",
        "class=\"state CATCHING_UP\"", "<th>Verified size</th><td>250</td>",
        "<th>Log size</th><td>1000</td>", "<th>Lag</th><td>750 entries</td>", "epoch 7, 30 s ago",
        "25.0% (125 entries/s, about 6 s left)", "class=\"state MISBEHAVING\"", "Evidence (1)",
        "href=\"/evidence/bad%20example%3C1%3E.evidence\" download", "14 bytes",
        "monitor.example/b", "10 s ago", "<td>9</td>", "monitor.example/c", "never",
        "failing: connection refused"}) {
    EXPECT_TRUE(absl::StrContains(page, want)) << want << "\n" << page;
  }
  // No external asset and no script: the page works offline.
  EXPECT_FALSE(absl::StrContains(page, "<script"));
  EXPECT_FALSE(absl::StrContains(page, "src="));
  EXPECT_FALSE(absl::StrContains(page, "http://") && absl::StrContains(page, "<link"));
}

TEST(StatusPageTest, EscapesEverythingFromALog) {
  const std::string page = RenderStatusPage(Input());
  EXPECT_TRUE(absl::StrContains(page, "bad.example/&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_TRUE(absl::StrContains(page, "split view &quot;here&quot; &amp; &#39;there&#39;"));
  EXPECT_TRUE(absl::StrContains(page, "split view: sizes 5 and 5 &lt;b&gt;"));
  EXPECT_TRUE(absl::StrContains(page, "bad example&lt;1&gt;.evidence"));
  EXPECT_FALSE(absl::StrContains(page, "<b>"));
}

TEST(StatusPageTest, HtmlEscapeKeepsValidUtf8AndReplacesTheRest) {
  EXPECT_EQ(HtmlEscape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
  EXPECT_EQ(HtmlEscape("caf\xC3\xA9 \xE2\x9C\x93"), "caf\xC3\xA9 \xE2\x9C\x93");
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(HtmlEscape("x\xFFy"), "x" + fffd + "y");
  EXPECT_EQ(HtmlEscape("\xC3"), fffd);                        // truncated
  EXPECT_EQ(HtmlEscape("\xC0\xBC"), fffd + fffd);             // overlong '<'
  EXPECT_EQ(HtmlEscape("\xED\xA0\x80"), fffd + fffd + fffd);  // surrogate
  EXPECT_EQ(HtmlEscape(std::string("a\0b\x1b", 4)), "a" + fffd + "b" + fffd);
  EXPECT_EQ(HtmlEscape("l1\nl2\t"), "l1\nl2\t");
}

TEST(StatusPageTest, EvidenceIsFoundByBaseNameOnly) {
  const StatusPageInput in = Input();
  std::string bytes;
  EXPECT_TRUE(FindEvidence(in.status, "bad example<1>.evidence", &bytes));
  EXPECT_EQ(bytes, "EVIDENCE-BYTES");
  EXPECT_FALSE(FindEvidence(in.status, "/data/evidence/bad example<1>.evidence", &bytes));
  EXPECT_FALSE(FindEvidence(in.status, "../monitor.textproto", &bytes));
  EXPECT_FALSE(FindEvidence(in.status, "", &bytes));
  EXPECT_EQ(EvidenceName("/a/b/c.evidence"), "c.evidence");
  EXPECT_EQ(EvidenceName("c.evidence"), "c.evidence");
}

TEST(StatusPageTest, EmptyMonitor) {
  StatusPageInput in;
  in.now = absl::FromUnixSeconds(0);
  const std::string page = RenderStatusPage(in);
  EXPECT_TRUE(absl::StrContains(page, "NOT serving"));
  EXPECT_TRUE(absl::StrContains(page, "<h2>Logs followed</h2>\n<p>None.</p>"));
  EXPECT_TRUE(absl::StrContains(page, "None configured."));
}

}  // namespace
}  // namespace keytrail::monitor
