#include "log_server/fake_witness_for_test.h"

#include <chrono>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "httplib.h"

namespace keytrail {

FakeWitness::FakeWitness(const std::string& name)
    : signer_(*note::CosignatureSigner::Generate(name)),
      server_(std::make_unique<httplib::Server>()) {
  server_->Post("/add-checkpoint", [this](const httplib::Request& req,
                                          httplib::Response& res) {
    auto request = witness::ParseAddCheckpointRequest(req.body);
    absl::MutexLock lock(&mu_);
    if (!request.ok()) {
      res.status = 400;
      return;
    }
    requests_.push_back(*request);
    if (forced_ != 0) {
      res.status = forced_;
      res.set_content("forced\n", "text/plain");
      return;
    }
    if (request->old_size != size_) {
      res.status = 409;
      res.set_content(witness::FormatTlogSize(size_), witness::kTlogSizeContentType);
      return;
    }
    auto n = note::ParseNote(request->checkpoint);
    auto c = note::ParseCheckpoint(n->text);
    size_ = c->size;
    note::Note one{n->text, {signer_.SignAsNoteSignature(n->text, 1700000000)}};
    std::string line = note::FormatNote(one).substr(n->text.size() + 1);
    res.status = 200;
    res.set_content(line, "text/plain; charset=utf-8");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) std::abort();
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeWitness::~FakeWitness() {
  server_->stop();
  thread_.join();
}

std::string FakeWitness::url() const { return absl::StrCat("http://127.0.0.1:", port_); }

std::string FakeWitness::Flag() const {
  return absl::StrCat(signer_.name(), "=", url(), "=", signer_.VerifierKey());
}

void FakeWitness::SetForcedStatus(int status) {
  absl::MutexLock lock(&mu_);
  forced_ = status;
}

void FakeWitness::SetSize(uint64_t size) {
  absl::MutexLock lock(&mu_);
  size_ = size;
}

uint64_t FakeWitness::size() const {
  absl::MutexLock lock(&mu_);
  return size_;
}

std::vector<witness::AddCheckpointRequest> FakeWitness::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

}  // namespace keytrail
