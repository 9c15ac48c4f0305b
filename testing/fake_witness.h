// A scripted tlog-witness HTTP server for the log server's tests (the real
// witness is the monitor's; roles do not share code). It cosigns every
// request whose old size equals the size it holds, answers 409 otherwise,
// and can be told to answer a fixed status instead. Test-only; thread-safe.
#ifndef KEYTRAIL_TESTING_FAKE_WITNESS_H_
#define KEYTRAIL_TESTING_FAKE_WITNESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "core/http/server.h"
#include "core/note/cosignature.h"
#include "core/witness/add_checkpoint.h"

namespace keytrail::test {

class FakeWitness {
 public:
  explicit FakeWitness(const std::string& name);
  ~FakeWitness();

  int port() const { return port_; }
  std::string url() const;
  const note::CosignatureSigner& signer() const { return signer_; }
  // "NAME=URL=VKEY" for --monitor.
  std::string Flag() const;

  // 0: behave; otherwise answer this status to every request.
  void SetForcedStatus(int status);
  void SetSize(uint64_t size);
  uint64_t size() const;
  std::vector<witness::AddCheckpointRequest> requests() const;

 private:
  note::CosignatureSigner signer_;
  mutable absl::Mutex mu_;
  int forced_ = 0;
  uint64_t size_ = 0;
  std::vector<witness::AddCheckpointRequest> requests_;
  http::Server server_;  // last: stopped first, while the state above lives
  int port_ = 0;
};

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_FAKE_WITNESS_H_
