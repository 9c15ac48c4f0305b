// Test-only: makes a cosigned checkpoint for //interop:cosigned_checkpoint_test.
// A small log (monitor/witness_test_util.h) pushes two checkpoints to a
// Witness (approving AuditedLogs); writes into DIR:
//   log.vkey       the log's note verifier key
//   witness.vkey   the witness's cosignature verifier key
//   cosigned.note  the witness's monitoring-endpoint answer (log signature +
//                  cosignature)
//   checkpoint.note + response.txt  the pushed checkpoint and the 200 body
// Usage: witness_interop_fixture DIR. Exit 1 with a message on any failure.
#include <cstdio>
#include <fstream>
#include <string>

#include "core/bytes/encoding.h"
#include "monitor/witness.h"
#include "testing/witness_test_util.h"

namespace keytrail::monitor {
namespace {

int Fail(const std::string& why) {
  std::fprintf(stderr, "witness_interop_fixture: %s\n", why.c_str());
  return 1;
}

bool Write(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return static_cast<bool>(out);
}

int Run(const std::string& dir) {
  TestLog log("example.org/interop-log", 12);
  FakeAuditedLogs logs;
  logs.Follow(log);
  auto store = WitnessStore::Open(dir + "/witness_state");
  if (!store.ok()) return Fail(store.status().ToString());
  auto signer = note::CosignatureSigner::Generate("monitor.example/interop");
  if (!signer.ok()) return Fail(signer.status().ToString());
  Witness witness(&logs, store->get(), *signer);
  WitnessResponse first = witness.AddCheckpoint(log.Body(0, 5));
  if (first.status != 200) return Fail("first push: " + first.body);
  WitnessResponse second = witness.AddCheckpoint(log.Body(5, 12));
  if (second.status != 200) return Fail("second push: " + second.body);
  WitnessResponse served = witness.CosignedCheckpoint(HexEncode(HashView(Sha256Of(log.origin()))));
  if (served.status != 200) return Fail("monitoring endpoint: " + served.body);
  if (!Write(dir + "/log.vkey", log.signer().VerifierKey() + "\n") ||
      !Write(dir + "/witness.vkey", signer->VerifierKey() + "\n") ||
      !Write(dir + "/cosigned.note", served.body) ||
      !Write(dir + "/checkpoint.note", log.Checkpoint(12)) ||
      !Write(dir + "/response.txt", second.body)) {
    return Fail("can't write into " + dir);
  }
  return 0;
}

}  // namespace
}  // namespace keytrail::monitor

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: witness_interop_fixture DIR\n");
    return 2;
  }
  return keytrail::monitor::Run(argv[1]);
}
