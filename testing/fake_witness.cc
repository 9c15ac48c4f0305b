#include "testing/fake_witness.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"

namespace keytrail::test {

FakeWitness::FakeWitness(const std::string& name)
    : signer_(*note::CosignatureSigner::Generate(name)) {
  server_.Handle(
      "POST", "/add-checkpoint",
      [this](const http::ServerRequest& req) {
        http::ServerResponse res;
        auto request = witness::ParseAddCheckpointRequest(req.body);
        absl::MutexLock lock(&mu_);
        if (!request.ok()) {
          res.status = 400;
          return res;
        }
        requests_.push_back(*request);
        if (forced_ != 0) {
          res.status = forced_;
          res.body = "forced\n";
          return res;
        }
        if (request->old_size != size_) {
          res.status = 409;
          res.content_type = witness::kTlogSizeContentType;
          res.body = witness::FormatTlogSize(size_);
          return res;
        }
        auto n = note::ParseNote(request->checkpoint);
        auto c = note::ParseCheckpoint(n->text);
        size_ = c->size;
        note::Note one{n->text, {signer_.SignAsNoteSignature(n->text, 1700000000)}};
        res.body = note::FormatNote(one).substr(n->text.size() + 1);
        return res;
      },
      witness::kMaxAddCheckpointBody);
  if (!server_.Start("127.0.0.1", 0).ok()) std::abort();
  port_ = server_.port();
}

FakeWitness::~FakeWitness() { server_.Stop(); }

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

}  // namespace keytrail::test
