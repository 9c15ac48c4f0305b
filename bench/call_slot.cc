#include "bench/call_slot.h"

#include "absl/time/clock.h"

namespace keytrail::bench {

void SlotControl::StopAndWait() {
  stop.store(true);
  while (running.load() > 0) absl::SleepFor(absl::Milliseconds(10));
}

void CallSlot::Start() {
  ++control_->running;
  Next();
}

void CallSlot::Next() {
  if (control_->stop.load()) {
    --control_->running;
    return;
  }
  ctx_ = std::make_unique<grpc::ClientContext>();
  start_ = absl::Now();
  call_(ctx_.get(), [this](grpc::Status s) {
    record_(s, absl::Now() - start_);
    Next();
  });
}

}  // namespace keytrail::bench
