// GatewayFixture: the real jwtgate in front of the real test upstream.
#include "tests/testing/gateway_fixture.h"

#include <netinet/in.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "simdjson.h"
#include "tests/testing/test_keys.h"

namespace jwtgate::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kStartAttempts = 3;

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()),
             static_cast<int>(bytes));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : raw) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  return hex;
}

void ReplaceAll(std::string* s, std::string_view from, std::string_view to) {
  for (size_t pos = s->find(from); pos != std::string::npos;
       pos = s->find(from, pos + to.size())) {
    s->replace(pos, from.size(), to);
  }
}

bool WriteFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(out);
}

std::string Addr(uint16_t port) { return absl::StrCat("127.0.0.1:", port); }

bool EqNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

absl::Status ParseHeaderArray(simdjson::dom::element e, HeaderList* out) {
  simdjson::dom::array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) {
    return absl::DataLossError("echo: headers is not an array");
  }
  for (simdjson::dom::element pair : arr) {
    simdjson::dom::array p;
    std::string_view n, v;
    if (pair.get_array().get(p) != simdjson::SUCCESS || p.size() != 2 ||
        p.at(0).get_string().get(n) != simdjson::SUCCESS ||
        p.at(1).get_string().get(v) != simdjson::SUCCESS) {
      return absl::DataLossError("echo: bad header pair");
    }
    out->emplace_back(std::string(n), std::string(v));
  }
  return absl::OkStatus();
}

// Waits until the log at `path` holds `text`; gives up early when `process`
// exits.
absl::Status WaitForLog(const std::string& path, std::string_view text,
                        milliseconds timeout, Process& process) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (ReadFileOrEmpty(path).find(text) != std::string::npos) {
      return absl::OkStatus();
    }
    if (!process.Running()) {
      return absl::UnavailableError(
          absl::StrCat("exited before logging \"", std::string(text), "\""));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("no \"", std::string(text), "\" in the log"));
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
}

}  // namespace

std::string DefaultSections() {
  return R"ini(
[key test]
alg = HS256
secret_env = JWTGATE_TEST_SECRET

[key rotated]
alg = HS256
secret_env = JWTGATE_TEST_SECRET2
kid = k1

[key ec]
alg = ES256
public_key_file = {tmp}/ec256.pem

[upstream backend]
server = {upstream}
keepalive = 8

[upstream dead]
server = {dead}

[upstream blackhole]
server = {blackhole}

[route public]
path_prefix = /public/
upstream = backend
auth = off

[route internal]
path_prefix = /public/
host = internal.example.com
upstream = backend
auth = required
keys = test

[route api]
path_prefix = /api/
upstream = backend
auth = required
keys = test, rotated
issuer = {issuer}
audience = {audience}
claim_header = email X-Auth-Email
claim_header = roles X-Auth-Roles
claim_header = org.id X-Auth-Org

[route scoped]
path_prefix = /scoped/
upstream = backend
auth = required
keys = test
require = scope contains read:messages

[route cookie]
path_prefix = /cookie/
upstream = backend
auth = required
keys = test
token_cookie = access_token

[route strip]
path_prefix = /strip/
upstream = backend
auth = required
keys = test
strip_authorization = true

[route ec]
path_prefix = /ec/
upstream = backend
auth = required
keys = ec

[route dead]
path_prefix = /dead/
upstream = dead
auth = off

[route blackhole]
path_prefix = /blackhole/
upstream = blackhole
auth = off
)ini";
}

// ---- EchoedRequest ----------------------------------------------------------

std::optional<std::string> EchoedRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqNoCase(n, name)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> EchoedRequest::HeaderValues(
    std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers) {
    if (EqNoCase(n, name)) out.push_back(v);
  }
  return out;
}

size_t EchoedRequest::HeaderCount(std::string_view name) const {
  return HeaderValues(name).size();
}

absl::StatusOr<EchoedRequest> ParseEcho(const HttpResponse& response) {
  if (response.status != 200) {
    return absl::FailedPreconditionError(
        absl::StrCat("expected the upstream's 200 echo, got ", response.status,
                     ": ", response.body.substr(0, 200)));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(response.body).get(doc) != simdjson::SUCCESS) {
    return absl::DataLossError("echo body is not JSON: " +
                               response.body.substr(0, 200));
  }
  EchoedRequest e;
  std::string_view s;
  if (doc["method"].get_string().get(s) != simdjson::SUCCESS) {
    return absl::DataLossError("echo: no method");
  }
  e.method = std::string(s);
  if (doc["target"].get_string().get(s) == simdjson::SUCCESS) {
    e.target = std::string(s);
  }
  if (doc["version"].get_string().get(s) == simdjson::SUCCESS) {
    e.version = std::string(s);
  }
  if (doc["body_sha256"].get_string().get(s) == simdjson::SUCCESS) {
    e.body_sha256 = std::string(s);
  }
  absl::Status st = ParseHeaderArray(doc["headers"], &e.headers);
  if (!st.ok()) return st;
  st = ParseHeaderArray(doc["trailers"], &e.trailers);
  if (!st.ok()) return st;
  if (doc["body_length"].get_uint64().get(e.body_length) != simdjson::SUCCESS ||
      doc["chunked"].get_bool().get(e.chunked) != simdjson::SUCCESS ||
      doc["connection_id"].get_uint64().get(e.connection_id) !=
          simdjson::SUCCESS ||
      doc["request_index"].get_uint64().get(e.request_index) !=
          simdjson::SUCCESS) {
    return absl::DataLossError("echo: missing numeric fields");
  }
  return e;
}

absl::StatusOr<std::string> ErrorField(const HttpResponse& response) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(response.body).get(doc) != simdjson::SUCCESS) {
    return absl::DataLossError("error body is not JSON: '" +
                               response.body.substr(0, 200) + "'");
  }
  std::string_view error, message;
  if (doc["error"].get_string().get(error) != simdjson::SUCCESS ||
      doc["message"].get_string().get(message) != simdjson::SUCCESS ||
      error.empty() || message.empty()) {
    return absl::DataLossError(
        "error body lacks string \"error\" and \"message\": " +
        response.body.substr(0, 200));
  }
  return std::string(error);
}

// ---- GatewayFixture ---------------------------------------------------------

GatewayFixture::GatewayFixture(std::string gateway_binary,
                               std::string upstream_binary)
    : gateway_binary_(std::move(gateway_binary)),
      upstream_binary_(std::move(upstream_binary)),
      secret_(RandomHex(32)),
      secret2_(RandomHex(32)) {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "jwtgate-it-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) != nullptr) temp_dir_ = tmpl;
}

GatewayFixture::~GatewayFixture() {
  gateway_.reset();
  upstream_.reset();
  if (!temp_dir_.empty() && std::getenv("JWTGATE_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir_, ec);
  }
}

void GatewayFixture::OpenBlackhole() {
  // A listener with backlog 0 that never accepts: once one connection sits
  // in its queue, the kernel drops further SYNs, so connects hang.
  blackhole_.Reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(blackhole_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::listen(blackhole_.get(), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(blackhole_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  blackhole_port_ = ntohs(addr.sin_port);
  for (int i = 0; i < 2; ++i) {
    UniqueFd c(
        ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    ::connect(c.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    blackhole_fillers_.push_back(std::move(c));
  }
}

std::string GatewayFixture::Expand(std::string text) const {
  ReplaceAll(&text, "{upstream}", Addr(upstream_port_));
  ReplaceAll(&text, "{dead}", Addr(dead_port_));
  ReplaceAll(&text, "{blackhole}", Addr(blackhole_port_));
  ReplaceAll(&text, "{tmp}", temp_dir_);
  ReplaceAll(&text, "{issuer}", kItIssuer);
  ReplaceAll(&text, "{audience}", kItAudience);
  return text;
}

absl::Status GatewayFixture::StartUpstream(int threads) {
  absl::StatusOr<Process> up =
      Process::Start({.program = upstream_binary_,
                      .args = {"--listen", Addr(upstream_port_), "--threads",
                               std::to_string(threads), "--quiet"},
                      .stderr_path = temp_dir_ + "/upstream.stderr"});
  if (!up.ok()) return up.status();
  upstream_.emplace(*std::move(up));
  upstream_aux_connections_ = 1;  // WaitForPort's successful probe
  absl::Status s = WaitForPort(upstream_port_, seconds(5), &*upstream_);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("test upstream: ", s.ToString(), "\n",
                     ReadFileOrEmpty(temp_dir_ + "/upstream.stderr")));
  }
  return absl::OkStatus();
}

void GatewayFixture::RestartUpstream() {
  ASSERT_TRUE(upstream_.has_value());
  upstream_->Stop(SIGKILL, seconds(5));
  upstream_.reset();
  absl::Status s = StartUpstream(upstream_threads_);
  ASSERT_TRUE(s.ok()) << s;
}

bool GatewayFixture::TryStart(const GatewayConfig& config, std::string* why) {
  gateway_.reset();
  upstream_.reset();
  // The gateway's and the upstream's ports stay reserved for the whole test
  // (their listeners use SO_REUSEPORT and would otherwise share a port with
  // another test's); the dead port stays reserved so it keeps refusing.
  reserved_.clear();
  for (uint16_t* p : {&port_, &upstream_port_, &dead_port_}) {
    absl::StatusOr<PortReservation> r = ReservePort();
    if (!r.ok()) {
      *why = r.status().ToString();
      return false;
    }
    *p = r->port;
    reserved_.push_back(std::move(r->fd));
  }
  absl::StatusOr<uint16_t> picked = PickFreePort();
  if (!picked.ok()) {
    *why = picked.status().ToString();
    return false;
  }
  metrics_port_ = *picked;

  upstream_threads_ = config.upstream_threads;
  absl::Status s = StartUpstream(upstream_threads_);
  if (!s.ok()) {
    *why = s.ToString();
    return false;
  }

  std::string ini = absl::StrCat(
      "# Written by GatewayFixture for one integration test.\n[gateway]\n",
      "listen = ", Addr(port_), "\nshards = ", config.shards,
      "\nmetrics_listen = ", Addr(metrics_port_),
      "\naccess_log = ", config.access_log, "\nlog_level = info",
      "\nmax_header_bytes = ", config.max_header_bytes,
      "\nmax_body_bytes = ", config.max_body_bytes,
      "\nclient_header_timeout = ", config.client_header_timeout,
      "\nclient_idle_timeout = ", config.client_idle_timeout,
      "\nupstream_connect_timeout = ", config.upstream_connect_timeout,
      "\nupstream_timeout = ", config.upstream_timeout,
      "\ndrain_timeout = ", config.drain_timeout, "\n", config.gateway_extra,
      "\n", Expand(config.sections.value_or(DefaultSections())), "\n",
      Expand(config.extra_sections), "\n");
  const std::string ini_path = temp_dir_ + "/jwtgate.ini";
  if (!WriteFile(ini_path, ini) ||
      !WriteFile(temp_dir_ + "/ec256.pem", EcP256().public_pem)) {
    *why = "cannot write " + ini_path;
    return false;
  }

  absl::StatusOr<Process> gw =
      Process::Start({.program = gateway_binary_,
                      .args = {"--config", ini_path},
                      .env = {"JWTGATE_TEST_SECRET=" + secret_,
                              "JWTGATE_TEST_SECRET2=" + secret2_},
                      .stdout_path = temp_dir_ + "/jwtgate.stdout",
                      .stderr_path = temp_dir_ + "/jwtgate.stderr"});
  if (!gw.ok()) {
    *why = gw.status().ToString();
    return false;
  }
  gateway_.emplace(*std::move(gw));
  gateway_stopped_ = false;
  s = WaitForPort(port_, seconds(10), &*gateway_);
  if (s.ok()) s = WaitForPort(metrics_port_, seconds(5), &*gateway_);
  // The port answers once shard 0 listens; the other shards join its
  // SO_REUSEPORT group one after another (slowly under ASan), and the
  // gateway logs "listening on" when all have.
  if (s.ok()) {
    s = WaitForLog(temp_dir_ + "/jwtgate.stderr", "listening on ", seconds(10),
                   *gateway_);
  }
  if (!s.ok()) {
    *why = absl::StrCat("jwtgate: ", s.ToString(), "\n--- config:\n", ini,
                        "--- stderr:\n", LastLines(GatewayLog(), 60));
    return false;
  }
  return true;
}

void GatewayFixture::StartGateway(const GatewayConfig& config) {
  ASSERT_FALSE(temp_dir_.empty()) << "mkdtemp failed";
  if (!blackhole_.valid()) OpenBlackhole();
  std::string why;
  for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
    if (TryStart(config, &why)) return;
    // Only a port lost to a concurrent test is worth another attempt.
    if (why.find("in use") == std::string::npos) break;
  }
  gateway_stopped_ = true;  // nothing more to check in TearDown
  FAIL() << "could not start the gateway: " << why;
}

void GatewayFixture::TearDown() {
  if (gateway_.has_value() && !gateway_stopped_) {
    if (!gateway_->Running()) {
      ADD_FAILURE() << "jwtgate exited during the test ("
                    << DescribeWaitStatus(*gateway_->exit_status()) << ")";
    } else {
      int status = gateway_->Stop(SIGTERM, seconds(15));
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << "jwtgate did not exit 0 after SIGTERM: "
          << DescribeWaitStatus(status);
    }
  }
  if (upstream_.has_value()) upstream_->Stop(SIGTERM, seconds(5));
  if (HasFailure() && gateway_.has_value()) {
    std::cerr << "---- jwtgate stderr (last 150 lines) ----\n"
              << LastLines(GatewayLog(), 150)
              << "---- test upstream stderr ----\n"
              << LastLines(ReadFileOrEmpty(temp_dir_ + "/upstream.stderr"), 20)
              << "---- end ----\n";
  }
}

absl::StatusOr<HttpClient> GatewayFixture::Connect() {
  return HttpClient::Connect(port_);
}

absl::StatusOr<HttpResponse> GatewayFixture::Exchange(
    std::string_view raw, const ReadOptions& options) {
  absl::StatusOr<HttpClient> c = Connect();
  if (!c.ok()) return c.status();
  return c->RoundTrip(raw, options);
}

absl::StatusOr<HttpResponse> GatewayFixture::Get(std::string_view target,
                                                 const HeaderList& headers) {
  return Exchange(BuildRequest("GET", target, headers));
}

absl::StatusOr<HttpResponse> GatewayFixture::GetWithToken(
    std::string_view target, std::string_view token,
    const HeaderList& headers) {
  HeaderList h = headers;
  h.emplace_back("Authorization", "Bearer " + std::string(token));
  return Get(target, h);
}

int64_t GatewayFixture::Now() {
  return static_cast<int64_t>(std::time(nullptr));
}

jwt::MintOptions GatewayFixture::ValidClaims() const {
  jwt::MintOptions o;
  o.alg = jwt::Alg::kHS256;
  o.secret = secret_;
  o.sub = kItSubject;
  o.iss = kItIssuer;
  o.aud = {kItAudience};
  o.now_unix = Now();
  o.ttl_seconds = 3600;
  o.claims_json = {{"email", "\"user-1@example.com\""},
                   {"scope", "\"openid read:messages\""}};
  return o;
}

std::string GatewayFixture::Mint(const jwt::MintOptions& options) const {
  absl::StatusOr<std::string> t = jwt::Mint(options);
  if (!t.ok()) {
    ADD_FAILURE() << "jwt::Mint failed: " << t.status();
    return "";
  }
  return *t;
}

std::string GatewayFixture::SignRaw(jwt::Alg alg, std::string_view header_json,
                                    std::string_view payload_json,
                                    std::string_view secret) const {
  absl::StatusOr<std::string> t =
      jwt::SignRaw(alg, header_json, payload_json, secret);
  if (!t.ok()) {
    ADD_FAILURE() << "jwt::SignRaw failed: " << t.status();
    return "";
  }
  return *t;
}

UpstreamCounters GatewayFixture::QueryUpstream() {
  UpstreamCounters c;
  absl::StatusOr<HttpClient> client = HttpClient::Connect(upstream_port_);
  if (!client.ok()) {
    ADD_FAILURE() << "upstream /stats: " << client.status();
    return c;
  }
  absl::StatusOr<HttpResponse> r = client->RoundTrip(
      BuildRequest("GET", "/stats", {{"Connection", "close"}}));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (!r.ok() || parser.parse(r->body).get(doc) != simdjson::SUCCESS ||
      doc["connections"].get_uint64().get(c.connections) != simdjson::SUCCESS ||
      doc["requests"].get_uint64().get(c.requests) != simdjson::SUCCESS) {
    ADD_FAILURE() << "upstream /stats unreadable";
  }
  // The probe's and the queries' own connections (this one included) were
  // not the gateway's.
  ++upstream_aux_connections_;
  c.connections = c.connections >= upstream_aux_connections_
                      ? c.connections - upstream_aux_connections_
                      : 0;
  return c;
}

int GatewayFixture::StopGateway(int sig, milliseconds timeout) {
  gateway_stopped_ = true;
  return gateway_->Stop(sig, timeout);
}

std::string GatewayFixture::GatewayLog() const {
  return ReadFileOrEmpty(temp_dir_ + "/jwtgate.stderr");
}

}  // namespace jwtgate::testing
