#include "monitor/status_page.h"

#include <cinttypes>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace keytrail::monitor {
namespace {

// Length of the UTF-8 sequence starting at s[i] if it is valid (shortest
// form, no surrogates, at most U+10FFFF), else 0.
size_t Utf8Length(absl::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

const char* StateName(v1::LogStatus::State s) {
  switch (s) {
    case v1::LogStatus::OK:
      return "OK";
    case v1::LogStatus::CATCHING_UP:
      return "CATCHING_UP";
    case v1::LogStatus::STALE:
      return "STALE";
    case v1::LogStatus::UNREACHABLE:
      return "UNREACHABLE";
    case v1::LogStatus::MISBEHAVING:
      return "MISBEHAVING";
    case v1::LogStatus::STORAGE_FAILING:
      return "STORAGE_FAILING";
    default:
      return "UNKNOWN";
  }
}

std::string Ago(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  int64_t s = absl::ToInt64Seconds(d);
  if (s < 120) return absl::StrCat(s, " s ago");
  if (s < 7200) return absl::StrCat(s / 60, " min ago");
  return absl::StrCat(s / 3600, " h ago");
}

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string UrlPathSegment(absl::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

constexpr char kStyle[] =
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:72em}"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere}"
    "th{background:#f3f3f3}"
    ".state{font-weight:bold;padding:.1em .5em;border-radius:.3em}"
    ".OK{background:#d9f2d9}.CATCHING_UP{background:#dde8fb}.STALE{background:#fff1c2}"
    ".UNREACHABLE{background:#ffe0b3}.MISBEHAVING{background:#c62828;color:#fff}"
    ".STORAGE_FAILING{background:#ffd0d0}.UNKNOWN{background:#eee}"
    "pre{background:#f7f7f7;padding:.5em;overflow-x:auto;font-size:.85em}"
    ".muted{color:#777}.evidence{border-left:4px solid #c62828;padding-left:.8em}";

}  // namespace

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    switch (c) {
      case '&':
        out += "&amp;";
        ++i;
        continue;
      case '<':
        out += "&lt;";
        ++i;
        continue;
      case '>':
        out += "&gt;";
        ++i;
        continue;
      case '"':
        out += "&quot;";
        ++i;
        continue;
      case '\'':
        out += "&#39;";
        ++i;
        continue;
      default:
        break;
    }
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7F) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    const size_t n = Utf8Length(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(text.data() + i, n);
    i += n;
  }
  return out;
}

std::string EvidenceName(absl::string_view file) {
  const size_t slash = file.rfind('/');
  return std::string(slash == absl::string_view::npos ? file : file.substr(slash + 1));
}

bool FindEvidence(const v1::GetStatusResponse& status, absl::string_view name, std::string* bytes) {
  if (name.empty()) return false;
  for (const v1::LogStatus& l : status.logs()) {
    for (const v1::EvidenceInfo& e : l.evidence()) {
      if (EvidenceName(e.file()) == name) {
        *bytes = e.evidence();
        return true;
      }
    }
  }
  return false;
}

std::string RenderStatusPage(const StatusPageInput& in) {
  const auto E = [](absl::string_view s) { return HtmlEscape(s); };
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"refresh\" content=\"5\">"
      "<title>keytrail monitor</title><style>";
  h += kStyle;
  h += "</style></head><body>\n";
  absl::StrAppend(&h, "<h1>keytrail monitor", in.cosigner_name.empty() ? "" : " ",
                  E(in.cosigner_name), "</h1>\n");
  if (!in.cosigner_key.empty()) {
    absl::StrAppend(&h, "<p>Cosigner key <code>", E(in.cosigner_key), "</code>; ",
                    in.cosignatures_issued, " cosignatures issued since start.</p>\n");
  }
  absl::StrAppend(&h, "<p class=\"muted\">", in.status.serving() ? "Serving" : "NOT serving",
                  " &middot; ",
                  E(absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", in.now, absl::UTCTimeZone())),
                  " &middot; refreshes every 5 s</p>\n");

  h += "<h2>Logs followed</h2>\n";
  if (in.status.logs().empty()) h += "<p>None.</p>\n";
  int n = 0;
  for (const v1::LogStatus& l : in.status.logs()) {
    ++n;
    const char* state = StateName(l.state());
    absl::StrAppend(&h, "<section class=\"log\" id=\"log-", n, "\"><h3>", E(l.origin()),
                    " <span class=\"state ", state, "\">", state, "</span></h3>\n<table>\n");
    absl::StrAppend(&h, "<tr><th>Verified size</th><td>", l.verified_size(), "</td></tr>\n");
    absl::StrAppend(&h, "<tr><th>Log size</th><td>", l.log_size(), "</td></tr>\n");
    absl::StrAppend(&h, "<tr><th>Lag</th><td>", l.lag(), " entries</td></tr>\n");
    std::string age = "no epoch yet";
    if (l.epoch_timestamp_ms() != 0) {
      age = absl::StrCat(
          "epoch ", l.epoch(), ", ",
          Ago(in.now - absl::FromUnixMillis(static_cast<int64_t>(l.epoch_timestamp_ms()))));
    }
    absl::StrAppend(&h, "<tr><th>Checkpoint age</th><td>", age, "</td></tr>\n");
    std::string progress = "up to date";
    if (l.log_size() > 0 && l.verified_size() < l.log_size()) {
      progress = absl::StrFormat(
          "%.1f%% (%.0f entries/s, about %d s left)",
          100.0 * static_cast<double>(l.verified_size()) / static_cast<double>(l.log_size()),
          l.entries_per_second(), l.seconds_left());
    }
    absl::StrAppend(&h, "<tr><th>Catch-up</th><td>", progress, "; ", l.entries_audited(),
                    " entries audited since start</td></tr>\n");
    if (!l.last_error().empty()) {
      absl::StrAppend(&h, "<tr><th>Last error</th><td>", E(l.last_error()), "</td></tr>\n");
    }
    if (!l.storage_error().empty()) {
      absl::StrAppend(&h, "<tr><th>Storage</th><td>", E(l.storage_error()), "</td></tr>\n");
    }
    h += "</table>\n";
    if (!l.verified_checkpoint().empty()) {
      absl::StrAppend(&h, "<details><summary>Verified checkpoint</summary><pre>",
                      E(l.verified_checkpoint()), "</pre></details>\n");
    }
    if (l.evidence_size() > 0) {
      absl::StrAppend(&h, "<div class=\"evidence\"><h4>Evidence (", l.evidence_size(),
                      ")</h4><ul>\n");
      for (const v1::EvidenceInfo& e : l.evidence()) {
        const std::string name = EvidenceName(e.file());
        absl::StrAppend(&h, "<li>", E(e.summary()), " &mdash; <a href=\"/evidence/",
                        E(UrlPathSegment(name)), "\" download>", E(name), "</a> (",
                        e.evidence().size(),
                        " bytes; check it with <code>keytrail evidence "
                        "verify ",
                        E(name), "</code>)</li>\n");
      }
      h += "</ul></div>\n";
    }
    h += "</section>\n";
  }

  h += "<h2>Gossip peers</h2>\n";
  if (in.peers.empty()) {
    h += "<p>None configured.</p>\n";
  } else {
    h += "<table><tr><th>Peer</th><th>URL</th><th>Last gossip</th><th>Checkpoints compared</th>"
         "<th>State</th></tr>\n";
    for (const PeerView& p : in.peers) {
      const std::string last =
          p.last_success == absl::InfinitePast() ? "never" : Ago(in.now - p.last_success);
      absl::StrAppend(&h, "<tr class=\"peer\"><td>", E(p.name), "</td><td>", E(p.url), "</td><td>",
                      last, "</td><td>", p.checkpoints, "</td><td>",
                      p.failing ? absl::StrCat("failing: ", E(p.last_error)) : "ok",
                      "</td></tr>\n");
    }
    h += "</table>\n";
  }

  if (!in.status.storage().empty()) {
    h += "<h2>Storage</h2>\n<table><tr><th>Database</th><th>State</th></tr>\n";
    for (const v1::StorageStatus& s : in.status.storage()) {
      absl::StrAppend(
          &h, "<tr><td>", E(s.database()), "</td><td>",
          s.failing() ? absl::StrCat("FAILING: ", E(s.error())) : "ok",
          s.failed_writes() ? absl::StrCat(" (", s.failed_writes(), " failed writes)") : "",
          "</td></tr>\n");
    }
    h += "</table>\n";
  }
  h += "<p class=\"muted\">The same in machine form: <code>keytrail monitor status "
       "--json</code>; metrics at <a href=\"/metrics\">/metrics</a>.</p>\n</body></html>\n";
  return h;
}

}  // namespace keytrail::monitor
