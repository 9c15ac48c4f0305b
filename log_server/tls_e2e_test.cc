// TLS on the listener and TLS client certificates as write credentials, with
// the real binary and certificates made by the openssl command.
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "testing/log_server_harness.h"

namespace keytrail {
namespace {

using test::LogServerHarness;

// A CA, a server certificate for 127.0.0.1, a client certificate from that
// CA, and one from an unrelated CA.
constexpr char kMakeCertificates[] = R"(set -e
cd "$1"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() { key "$1.key"; openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1" 2>/dev/null; }
cert() {  # name ca extfile
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
    -out "$1.pem" -days 2 -extfile "$3" 2>/dev/null
}
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
printf 'extendedKeyUsage=clientAuth\n' > client.ext
ca ca
ca other-ca
cert server ca server.ext
cert operator ca client.ext
cert intruder other-ca client.ext
)";

std::string Read(const LogServerHarness& h, const std::string& file) {
  return test::ReadFile(h.path(file));
}

class TlsTest : public testing::Test {
 protected:
  void SetUp() override {
    auto h = LogServerHarness::Create("tls");
    ASSERT_TRUE(h.ok()) << h.status();
    h_ = *std::move(h);
    auto rc = test::RunProgram("/bin/sh", {"-c", kMakeCertificates, "sh", h_->dir()},
                               h_->path("openssl.log"));
    ASSERT_TRUE(rc.ok() && *rc == 0) << test::ReadFile(h_->path("openssl.log"));
    absl::Status s = h_->Start({"--tls_cert_file=" + h_->path("server.pem"),
                                "--tls_key_file=" + h_->path("server.key"),
                                "--tls_client_ca_file=" + h_->path("ca.pem")});
    ASSERT_TRUE(s.ok()) << s;
  }

  std::unique_ptr<v1::KeyTransparencyLog::Stub> Client(const std::string& client_name) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = Read(*h_, "ca.pem");
    if (!client_name.empty()) {
      ssl.pem_private_key = Read(*h_, client_name + ".key");
      ssl.pem_cert_chain = Read(*h_, client_name + ".pem");
    }
    return v1::KeyTransparencyLog::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", h_->port()), grpc::SslCredentials(ssl)));
  }

  static v1::UpdateRequest Request(const std::string& account) {
    v1::UpdateRequest req;
    req.set_account(account);
    v1::Device* d = req.mutable_key_set()->add_devices();
    d->set_device_id("phone");
    d->set_device_key("key");
    return req;
  }

  static grpc::Status Update(v1::KeyTransparencyLog::Stub& stub, const std::string& account) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::UpdateResponse resp;
    return stub.Update(&ctx, Request(account), &resp);
  }

  std::unique_ptr<LogServerHarness> h_;
};

TEST_F(TlsTest, ReadersNeedNoCertificateWritersNeedAVerifiedOne) {
  auto reader = Client("");
  grpc::ClientContext ctx;
  v1::GetLogInfoResponse info;
  grpc::Status s = reader->GetLogInfo(&ctx, {}, &info);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(info.origin(), LogServerHarness::kOrigin);

  EXPECT_EQ(Update(*reader, "a").error_code(), grpc::StatusCode::UNAUTHENTICATED);

  auto writer = Client("operator");
  s = Update(*writer, "a");
  EXPECT_TRUE(s.ok()) << s.error_message();

  // The bearer token still works over TLS too.
  grpc::ClientContext token_ctx;
  h_->Authorize(&token_ctx);
  v1::UpdateResponse resp;
  s = reader->Update(&token_ctx, Request("b"), &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TlsTest, UntrustedCertificatesAndPlaintextAreRefused) {
  auto intruder = Client("intruder");
  grpc::Status s = Update(*intruder, "a");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();

  auto plain = v1::KeyTransparencyLog::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", h_->port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::GetLogInfoResponse info;
  EXPECT_FALSE(plain->GetLogInfo(&ctx, {}, &info).ok());
}

}  // namespace
}  // namespace keytrail
