// HTTPS GET: TlsConnection for the bytes, HttpResponseReader for HTTP.
#include "jwtgate/jwks/https_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>

#include "jwks/http_response_reader.h"
#include "jwks/text.h"
#include "jwks/tls_connection.h"
#include "jwtgate/common/version.h"
#include "jwtgate/jwks/https_url.h"

namespace jwtgate::jwks {

struct HttpsClient::Impl {
  SslCtxPtr ctx;
};

namespace {

SteadyTime After(SteadyTime now, absl::Duration d) {
  return now + absl::ToChronoMilliseconds(d);
}

// "GET target HTTP/1.1" with the headers a key document needs.
std::string RequestHead(const HttpsUrl& url) {
  return Cat("GET ", url.target, " HTTP/1.1\r\nHost: ", url.Authority(),
             "\r\nUser-Agent: jwtgate/", JWTGATE_VERSION,
             "\r\nAccept: application/json\r\n"
             "Connection: close\r\n\r\n");
}

// Prefixes `status`'s message with the URL it concerns, keeping the code.
absl::Status About(const HttpsUrl& url, const absl::Status& status) {
  return absl::Status(status.code(), Cat(url.ForLog(), ": ", status.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpsClient>> HttpsClient::Create(
    HttpsClientOptions options) {
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (ctx == nullptr ||
      SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1) {
    return absl::InternalError(Cat("TLS client set-up: ", TakeSslErrors()));
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (!options.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), options.ca_file.c_str(),
                                      nullptr) != 1) {
      return absl::InvalidArgumentError(Cat("ca_file ", options.ca_file,
                                            ": cannot load CA certificates (",
                                            TakeSslErrors(), ")"));
    }
  } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
    return absl::InternalError(
        Cat("cannot use the system CA store: ", TakeSslErrors()));
  }
  auto impl = std::make_unique<Impl>();
  impl->ctx = std::move(ctx);
  return std::unique_ptr<HttpsClient>(
      new HttpsClient(std::move(options), std::move(impl)));
}

HttpsClient::HttpsClient(HttpsClientOptions options, std::unique_ptr<Impl> impl)
    : options_(std::move(options)), impl_(std::move(impl)) {}

HttpsClient::~HttpsClient() = default;

absl::StatusOr<HttpsResponse> HttpsClient::Get(std::string_view url_text,
                                               int cancel_fd) const {
  auto url = ParseHttpsUrl(url_text);
  if (!url.ok()) return url.status();

  const SteadyTime now = std::chrono::steady_clock::now();
  IoLimits limits;
  limits.connect_deadline = After(now, options_.connect_timeout);
  limits.deadline = After(now, options_.timeout);
  limits.cancel_fd = cancel_fd;

  ScopedSigpipeBlock no_sigpipe;
  auto conn =
      TlsConnection::Open(impl_->ctx.get(), *url, options_.connect_to, limits);
  if (!conn.ok()) return About(*url, conn.status());
  absl::Status sent = (*conn)->WriteAll(RequestHead(*url));
  if (!sent.ok()) return About(*url, sent);

  HttpResponseReader reader(options_.max_body_bytes);
  char buf[16 * 1024];
  while (!reader.complete()) {
    auto got = (*conn)->Read(buf, sizeof(buf));
    if (!got.ok()) return About(*url, got.status());
    absl::Status fed = got->eof
                           ? reader.FinishAtEof(got->clean)
                           : reader.Feed(std::string_view(buf, got->bytes));
    if (!fed.ok()) return About(*url, fed);
    if (got->eof) break;
  }
  HttpsResponse response;
  response.max_age_seconds = reader.max_age_seconds();
  response.body = reader.TakeBody();
  return response;
}

}  // namespace jwtgate::jwks
