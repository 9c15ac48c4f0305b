// CallSlot: keeps one gRPC call in flight against a server, starting the
// next as soon as one finishes, until told to stop — the load generator of
// lookup_bench and flood_bench (N slots = N calls in flight). For bench/
// only.
//
// Thread safety: a slot's calls run on gRPC's callback threads; `record`
// is called there (concurrently for different slots), so it must lock what
// it touches. A slot and its SlotControl must outlive the slot's last call:
// set control.stop and wait until control.running is 0 (StopAndWait) before
// destroying them.
#ifndef KEYTRAIL_BENCH_CALL_SLOT_H_
#define KEYTRAIL_BENCH_CALL_SLOT_H_

#include <atomic>
#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace keytrail::bench {

// Starts one call on `context` and calls `done` with its status when it
// finishes (each slot owns its call's request and response).
using StartCall = std::function<void(grpc::ClientContext*, std::function<void(grpc::Status)>)>;
// What a finished call reports: its status and its latency, start to done.
using RecordCall = std::function<void(const grpc::Status&, absl::Duration)>;

// Shared by the slots of one load.
struct SlotControl {
  std::atomic<bool> stop{false};
  std::atomic<int> running{0};  // slots with a call in flight

  // Sets stop and waits until every slot's last call has finished.
  void StopAndWait();
};

class CallSlot {
 public:
  CallSlot(StartCall call, RecordCall record, SlotControl* control)
      : call_(std::move(call)), record_(std::move(record)), control_(control) {}
  // Starts the first call; the slot runs until control->stop.
  void Start();

 private:
  void Next();

  StartCall call_;
  RecordCall record_;
  SlotControl* control_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  absl::Time start_;
};

}  // namespace keytrail::bench

#endif  // KEYTRAIL_BENCH_CALL_SLOT_H_
