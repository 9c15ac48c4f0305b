#include "testing/fake_log_server.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/grpc/status_convert.h"
#include "core/protocol/limits.h"
#include "proto/log_service.grpc.pb.h"

namespace keytrail {
namespace fakes {
namespace {

// The checks log_server/log_queries.cc makes before answering, with its codes.
absl::Status CheckTreeSize(uint64_t size, const FakeLog& log, absl::string_view field) {
  if (size > log.served_size()) {
    return absl::OutOfRangeError(
        absl::StrCat(field, " ", size, " is beyond the log's size ", log.served_size()));
  }
  return absl::OkStatus();
}

absl::Status CheckAccountQuery(absl::string_view account, uint64_t last_verified_size,
                               const FakeLog& log) {
  absl::Status s = ValidateAccountId(account);
  if (!s.ok()) return s;
  return CheckTreeSize(last_verified_size, log, "last_verified_size");
}

}  // namespace

class FakeLogServer::Service final : public v1::KeyTransparencyLog::CallbackService {
 public:
  explicit Service(FakeLogServer& server) : server_(server) {}

  grpc::ServerUnaryReactor* Lookup(grpc::CallbackServerContext* context,
                                   const v1::LookupRequest* request,
                                   v1::LookupResponse* response) override {
    return Finish(context, server_.Answer("Lookup", [&](const FakeLog& log) {
      absl::Status s = CheckAccountQuery(request->account(), request->last_verified_size(), log);
      if (!s.ok()) return s;
      *response = log.Lookup(request->account(), request->last_verified_size());
      return absl::OkStatus();
    }));
  }

  grpc::ServerUnaryReactor* History(grpc::CallbackServerContext* context,
                                    const v1::HistoryRequest* request,
                                    v1::HistoryResponse* response) override {
    return Finish(context, server_.Answer("History", [&](const FakeLog& log) {
      const uint64_t since = request->since_version();
      if (since == 0) return absl::InvalidArgumentError("since_version: versions start at 1");
      absl::Status s = CheckAccountQuery(request->account(), request->last_verified_size(), log);
      if (!s.ok()) return s;
      const uint64_t current = log.CurrentVersion(request->account());
      if (since > current + 1) {
        return absl::OutOfRangeError(absl::StrCat(
            "since_version ", since, " is beyond the account's next version ", current + 1));
      }
      if (since <= current && current - since + 1 > kMaxHistoryVersions) {
        return absl::OutOfRangeError(absl::StrCat("history since version ", since, " holds ",
                                                  current - since + 1, " versions"));
      }
      *response = log.History(request->account(), since, request->last_verified_size());
      return absl::OkStatus();
    }));
  }

  grpc::ServerUnaryReactor* GetCheckpoint(grpc::CallbackServerContext* context,
                                          const v1::GetCheckpointRequest* request,
                                          v1::GetCheckpointResponse* response) override {
    return Finish(context, server_.Answer("GetCheckpoint", [&](const FakeLog& log) {
      response->set_checkpoint(log.SignedCheckpoint());
      return absl::OkStatus();
    }));
  }

  grpc::ServerUnaryReactor* GetEntries(grpc::CallbackServerContext* context,
                                       const v1::GetEntriesRequest* request,
                                       v1::GetEntriesResponse* response) override {
    return Finish(context, server_.Answer("GetEntries", [&](const FakeLog& log) {
      if (request->count() == 0) return absl::InvalidArgumentError("count: must be at least 1");
      const uint64_t size = log.served_size();
      if (request->start() >= size) {
        return absl::OutOfRangeError(
            absl::StrCat("start ", request->start(), " is at or beyond the log's size ", size));
      }
      const uint64_t count =
          std::min<uint64_t>({request->count(), kMaxEntriesPerRequest, size - request->start()});
      for (uint64_t i = 0; i < count; ++i) response->add_entries(log.Entry(request->start() + i));
      return absl::OkStatus();
    }));
  }

  grpc::ServerUnaryReactor* GetInclusionProof(grpc::CallbackServerContext* context,
                                              const v1::GetInclusionProofRequest* request,
                                              v1::GetInclusionProofResponse* response) override {
    return Finish(context, server_.Answer("GetInclusionProof", [&](const FakeLog& log) {
      absl::Status s = CheckTreeSize(request->tree_size(), log, "tree_size");
      if (!s.ok()) return s;
      if (request->index() >= request->tree_size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "index ", request->index(), " is not below tree_size ", request->tree_size()));
      }
      response->set_proof(log.InclusionProof(request->index(), request->tree_size()));
      return absl::OkStatus();
    }));
  }

  grpc::ServerUnaryReactor* GetConsistencyProof(
      grpc::CallbackServerContext* context, const v1::GetConsistencyProofRequest* request,
      v1::GetConsistencyProofResponse* response) override {
    return Finish(context, server_.Answer("GetConsistencyProof", [&](const FakeLog& log) {
      absl::Status s = CheckTreeSize(request->second_size(), log, "second_size");
      if (!s.ok()) return s;
      if (request->first_size() == 0 || request->first_size() > request->second_size()) {
        return absl::InvalidArgumentError(absl::StrCat("first_size ", request->first_size(),
                                                       " must be in [1, second_size ",
                                                       request->second_size(), "]"));
      }
      response->set_proof(log.ConsistencyProof(request->first_size(), request->second_size()));
      return absl::OkStatus();
    }));
  }

  grpc::ServerUnaryReactor* GetLogInfo(grpc::CallbackServerContext* context,
                                       const v1::GetLogInfoRequest* request,
                                       v1::GetLogInfoResponse* response) override {
    return Finish(context, server_.Answer("GetLogInfo", [&](const FakeLog& log) {
      *response = log.LogInfo();
      return absl::OkStatus();
    }));
  }

 private:
  static grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                          const grpc::Status& status) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(status);
    return reactor;
  }

  FakeLogServer& server_;
};

FakeLogServer::FakeLogServer(FakeLog log) : log_(std::move(log)) {}

absl::StatusOr<std::unique_ptr<FakeLogServer>> FakeLogServer::Start(FakeLog log) {
  std::unique_ptr<FakeLogServer> server(new FakeLogServer(std::move(log)));
  server->service_ = std::make_unique<Service>(*server);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &server->port_);
  builder.RegisterService(server->service_.get());
  builder.SetMaxReceiveMessageSize(static_cast<int>(kMaxRequestBytes));
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError("fake log server: cannot listen on 127.0.0.1");
  }
  return server;
}

FakeLogServer::~FakeLogServer() {
  if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
}

std::string FakeLogServer::address() const { return absl::StrCat("127.0.0.1:", port_); }

grpc::Status FakeLogServer::Answer(const char* method,
                                   const std::function<absl::Status(const FakeLog&)>& answer) {
  absl::MutexLock lock(&mu_);
  ++calls_[method];
  if (unavailable_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "fake log: unavailable");
  return ToGrpcStatus(answer(log_));
}

void FakeLogServer::Mutate(const std::function<void(FakeLog&)>& change) {
  absl::MutexLock lock(&mu_);
  change(log_);
}

void FakeLogServer::Replace(FakeLog log) {
  absl::MutexLock lock(&mu_);
  log_ = std::move(log);
}

FakeLog FakeLogServer::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return log_;
}

uint64_t FakeLogServer::Calls(absl::string_view method) const {
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(method);
  return it == calls_.end() ? 0 : it->second;
}

uint64_t FakeLogServer::TotalCalls() const {
  absl::MutexLock lock(&mu_);
  uint64_t total = 0;
  for (const auto& [method, n] : calls_) total += n;
  return total;
}

}  // namespace fakes
}  // namespace keytrail
