// Example: an app embedding the verifier library with gRPC as its transport.
// Loads the saved state, looks up a contact (History, so every change since
// the last run is checked), prints the result and any alerts, saves the
// state. Only this example links gRPC; the library itself never does.
//
//   lookup_contact --server=127.0.0.1:8090 --state=alice.state \
//       --note_key='example.org/log+1234abcd+AbC...' --vrf_key=02ab... \
//       --own=alice --enrolled=phone=6b6579 --contact=bob
//
// Exit status: 0 verified with no alert, 1 an error, 3 verified with alerts.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "core/bytes/encoding.h"
#include "core/protocol/commitment.h"
#include "core/protocol/verification_code.h"
#include "grpcpp/grpcpp.h"
#include "proto/log_service.grpc.pb.h"
#include "verifier/verifier.h"

ABSL_FLAG(std::string, server, "127.0.0.1:8090", "log server host:port");
ABSL_FLAG(std::string, state, "verifier.state", "file holding the library's state");
ABSL_FLAG(std::string, note_key, "", "the log's note verifier key (pinned by the app)");
ABSL_FLAG(std::string, vrf_key, "", "the log's VRF public key, hex (pinned by the app)");
ABSL_FLAG(std::vector<std::string>, monitor, {}, "trusted monitors' cosignature verifier keys");
ABSL_FLAG(int, min_cosignatures, 0, "cosignatures required");
ABSL_FLAG(int64_t, max_age_ms, 10 * 60 * 1000, "largest acceptable checkpoint age");
ABSL_FLAG(std::string, own, "", "the user's own account");
ABSL_FLAG(std::vector<std::string>, enrolled, {}, "the user's devices, ID=HEXKEY");
ABSL_FLAG(std::string, contact, "", "the contact to look up");

namespace {

using keytrail::verifier::Alert;
using keytrail::verifier::AlertName;
using keytrail::verifier::Result;
using keytrail::verifier::Verifier;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();  // empty when the file does not exist: a fresh install
}

// Durable: write a temporary file, sync it, rename it over the old one.
bool WriteDurably(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return false;
  bool ok =
      write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  return ok && rename(tmp.c_str(), path.c_str()) == 0;
}

// One round trip: the library's request bytes out, the log's answer back.
template <typename Request, typename Response, typename Call>
bool RoundTrip(const std::string& request_bytes, Call call, std::string* response_bytes) {
  Request request;
  Response response;
  if (!request.ParseFromString(request_bytes)) return false;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status s = call(&context, request, &response);
  if (!s.ok()) {
    std::cerr << "rpc failed: " << s.error_message() << "\n";
    return false;
  }
  *response_bytes = response.SerializeAsString();
  return true;
}

int Report(const std::string& what, const Result& r) {
  if (r.status.ok()) {
    std::cout << what << ": verified version " << r.account->version << ", "
              << r.account->key_set.devices.size() << " device(s)"
              << (r.account->verified ? ", verified by you" : "") << "\n";
  } else {
    std::cout << what << ": REJECTED: " << r.status.message() << "\n";
  }
  for (const Alert& a : r.alerts) {
    std::cout << "  ALERT " << AlertName(a.kind) << ": " << a.explanation << " ("
              << a.evidence.size() << " bytes of evidence)\n";
  }
  if (!r.status.ok()) return 1;
  return r.alerts.empty() ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  keytrail::verifier::Policy policy;
  policy.log_note_key = absl::GetFlag(FLAGS_note_key);
  auto vrf = keytrail::HexDecode(absl::GetFlag(FLAGS_vrf_key), "vrf_key");
  if (!vrf.ok()) {
    std::cerr << vrf.status().message() << "\n";
    return 1;
  }
  policy.vrf_public_key = *vrf;
  policy.commitment_key = keytrail::CommitmentKey();
  policy.monitor_keys = absl::GetFlag(FLAGS_monitor);
  policy.min_cosignatures = absl::GetFlag(FLAGS_min_cosignatures);
  policy.max_checkpoint_age_ms = absl::GetFlag(FLAGS_max_age_ms);

  const std::string state_path = absl::GetFlag(FLAGS_state);
  auto created = Verifier::Create(policy, ReadAll(state_path));
  if (!created.ok()) {
    std::cerr << "cannot start the verifier: " << created.status().message() << "\n";
    return 1;
  }
  Verifier& v = **created;
  const std::string own = absl::GetFlag(FLAGS_own);
  if (!own.empty()) {
    if (!v.SetOwnAccount(own).ok()) return 1;
    for (const std::string& d : absl::GetFlag(FLAGS_enrolled)) {
      std::vector<std::string> parts = absl::StrSplit(d, absl::MaxSplits('=', 1));
      auto key = parts.size() == 2
                     ? keytrail::HexDecode(parts[1], "device key")
                     : absl::StatusOr<std::string>(absl::InvalidArgumentError("ID=HEXKEY"));
      if (!key.ok() || !v.EnrollDevice(parts[0], *key).ok()) {
        std::cerr << "bad --enrolled " << d << "\n";
        return 1;
      }
    }
  }

  auto stub = keytrail::v1::KeyTransparencyLog::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_server), grpc::InsecureChannelCredentials()));
  auto history = [&](const std::string& account) -> int {
    std::string answer;
    auto call = [&](grpc::ClientContext* c, const keytrail::v1::HistoryRequest& req,
                    keytrail::v1::HistoryResponse* resp) { return stub->History(c, req, resp); };
    if (!RoundTrip<keytrail::v1::HistoryRequest, keytrail::v1::HistoryResponse>(
            v.HistoryRequest(account), call, &answer)) {
      return 1;
    }
    const uint64_t now_ms = absl::ToUnixMillis(absl::Now());
    return Report(account, v.HandleHistory(account, answer, now_ms));
  };

  int status = 0;
  if (!own.empty()) status = std::max(status, history(own));  // self-monitoring first
  const std::string contact = absl::GetFlag(FLAGS_contact);
  if (!contact.empty()) {
    status = std::max(status, history(contact));
    auto code = v.ContactCode(contact);
    if (code.ok()) {
      std::cout << "code to compare with " << contact << ": "
                << keytrail::FormatVerificationCode(*code) << "\n";
    }
  }
  if (!WriteDurably(state_path, v.SaveState())) {
    std::cerr << "cannot save the state to " << state_path << "\n";
    return 1;
  }
  return status;
}
