#include "testing/tile_publication_load.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "testing/signed_checkpoint.h"

namespace keytrail::test {

std::thread StartUpdateWriter(LogServerHarness* log, int id, int round, std::atomic<bool>* stop,
                              std::atomic<uint64_t>* acked) {
  return std::thread([log, id, round, stop, acked] {
    for (int n = 0; !stop->load(); ++n) {
      v1::UpdateRequest req;
      req.set_account(absl::StrCat("w", id, "-", round, "-", n));
      v1::Device* d = req.mutable_key_set()->add_devices();
      d->set_device_id("phone");
      d->set_device_key("key");
      grpc::ClientContext ctx;
      log->Authorize(&ctx);
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      v1::UpdateResponse resp;
      if (!log->stub().Update(&ctx, req, &resp).ok()) return;  // killed
      acked->fetch_add(1);
    }
  });
}

absl::Status WaitUntilTilesCaughtUp(LogServerHarness& log,
                                    const std::function<absl::StatusOr<PublishedLog>()>& read) {
  auto newest = log.Checkpoint(true);
  if (!newest.ok()) return newest.status();
  const uint64_t want = CheckpointOf(*newest).size;
  uint64_t have = 0;
  for (int i = 0; i < 1500 && have < want; ++i) {
    auto published = read();
    have = published.ok() ? published->checkpoint.size : 0;
    if (have < want) absl::SleepFor(absl::Milliseconds(20));
  }
  if (have >= want) return absl::OkStatus();
  return absl::DeadlineExceededError(
      absl::StrCat("tiles never caught up with the log (published ", have, " of ", want, ")"));
}

}  // namespace keytrail::test
