// SPEC §1/§6 SIGHUP reload against the real jwtgate: no request fails while
// a changed config is switched in under traffic; a broken config is refused
// (old one stays, FILE:LINE on stderr, reloads_total{result="error"});
// secret rotation through secret_file; listeners across a reload; access
// log reopen for log rotation.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwtgate/common/unique_fd.h"
#include "tests/integration/integration_util.h"
#include "tests/integration/lifecycle_util.h"

namespace jwtgate::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ReloadTest : public GatewayFixture {
 protected:
  std::string IniPath() const { return temp_dir() + "/jwtgate.ini"; }
  std::string Ini() const { return ReadFileOrEmpty(IniPath()); }

  // Writes `ini` over the running gateway's config and sends SIGHUP.
  void ReloadWith(const std::string& ini) {
    ASSERT_THAT(ReplaceFile(IniPath(), ini), IsOk());
    gateway().Signal(SIGHUP);
  }

  // The status of GET `target` (with `token` unless empty) on a new
  // connection; -1 when there is no answer.
  int StatusOf(std::string_view target, std::string_view token = "") {
    absl::StatusOr<HttpResponse> r =
        token.empty() ? Get(target) : GetWithToken(target, token);
    return r.ok() ? r->status : -1;
  }
};

// What one request of the traffic thread expects under each config.
struct Probe {
  std::string target;
  bool with_token;
  int old_status;
  int new_status;
};

// The config before and after: route `lc` moves from /old/ to /new/.
constexpr char kOldRoute[] =
    "[route lc]\npath_prefix = /old/\nupstream = backend\nauth = off\n";
constexpr char kNewRoute[] =
    "[route lc]\npath_prefix = /new/\nupstream = backend\nauth = off\n";

TEST_F(ReloadTest, NoRequestFailsWhileAChangedConfigIsSwitchedIn) {
  GatewayConfig config;
  config.shards = 2;
  config.extra_sections = kOldRoute;
  ASSERT_NO_FATAL_FAILURE(StartGateway(config));
  ASSERT_OK_AND_ASSIGN(std::string new_ini,
                       ReplaceOnce(Ini(), kOldRoute, kNewRoute));

  const std::string token = ValidToken();
  const std::vector<Probe> probes = {
      {"/api/echo", true, 200, 200},     {"/api/echo", false, 401, 401},
      {"/old/echo", false, 200, 404},    {"/new/echo", false, 404, 200},
      {"/public/echo", false, 200, 200},
  };
  std::atomic<bool> stop{false};
  std::atomic<int> done{0};
  std::atomic<int> new_answers{0};
  std::vector<std::string> failures;  // written by the thread, read after
  const uint16_t port = this->port();

  // Alternates a kept-alive connection and fresh connections. A kept-alive
  // connection stays on one shard, so once it has seen the new config it
  // must never see the old one again.
  std::thread traffic([&] {
    const auto hard_stop = LifecycleClock::now() + seconds(8);
    std::optional<HttpClient> kept;
    bool kept_switched = false;
    for (int i = 0; !stop.load() && LifecycleClock::now() < hard_stop; ++i) {
      const Probe& p = probes[i % probes.size()];
      const bool use_kept = (i / probes.size()) % 2 == 0;
      HeaderList headers;
      if (p.with_token)
        headers.emplace_back("Authorization", "Bearer " + token);
      absl::StatusOr<HttpResponse> r;
      std::optional<HttpClient> fresh;
      HttpClient* c = nullptr;
      if (use_kept) {
        if (!kept.has_value()) {
          absl::StatusOr<HttpClient> k = HttpClient::Connect(port);
          if (!k.ok()) {
            failures.push_back("connect: " + k.status().ToString());
            continue;
          }
          kept.emplace(*std::move(k));
          kept_switched = false;
        }
        c = &*kept;
      } else {
        absl::StatusOr<HttpClient> f = HttpClient::Connect(port);
        if (!f.ok()) {
          failures.push_back("connect: " + f.status().ToString());
          continue;
        }
        fresh.emplace(*std::move(f));
        c = &*fresh;
      }
      r = c->RoundTrip(BuildRequest("GET", p.target, headers),
                       {.timeout = seconds(5)});
      ++done;
      const std::string what = absl::StrCat(
          "request ", i, " GET ", p.target, p.with_token ? " (token)" : "",
          use_kept ? " on the kept-alive connection" : "");
      if (!r.ok()) {
        failures.push_back(what + ": " + r.status().ToString());
        if (use_kept) kept.reset();
        continue;
      }
      const bool is_old = r->status == p.old_status;
      const bool is_new = r->status == p.new_status;
      if (!is_old && !is_new) {
        failures.push_back(absl::StrCat(what, ": status ", r->status));
      } else if (p.old_status != p.new_status) {
        if (is_new) ++new_answers;
        if (use_kept) {
          if (is_old && kept_switched) {
            failures.push_back(what + ": old config after the new one");
          }
          kept_switched = kept_switched || is_new;
        }
      }
      if (use_kept && r->Header("connection").value_or("") == "close") {
        failures.push_back(what + ": server closed the kept-alive connection");
        kept.reset();
      }
    }
  });

  // Traffic before, during and after the reload; every wait is bounded.
  EXPECT_TRUE(Eventually([&] { return done.load() >= 60; }, seconds(5)));
  ReloadWith(new_ini);
  EXPECT_TRUE(WaitForReloadCount(metrics_port(), "ok", 1));
  const int at_reload = done.load();
  EXPECT_TRUE(Eventually(
      [&] { return done.load() >= at_reload + 120 && new_answers >= 10; },
      seconds(5)));
  stop = true;
  traffic.join();

  EXPECT_TRUE(failures.empty())
      << failures.size() << " failed requests of " << done.load()
      << "; first ones:\n"
      << Join(std::vector<std::string>(
                  failures.begin(),
                  failures.begin() + std::min<size_t>(failures.size(), 10)),
              "\n");
  // The new config is in force on every shard.
  for (int i = 0; i < 8; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpResponse r,
                         Get("/new/echo?i=" + std::to_string(i)));
    ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
    EXPECT_EQ(e.target, "/new/echo?i=" + std::to_string(i));
    EXPECT_TRUE(IsGatewayAnswer(Get("/old/echo"), 404));
  }
  ASSERT_OK_AND_ASSIGN(MetricsScrape m, ScrapeMetrics(metrics_port()));
  EXPECT_EQ(m.Get("jwtgate_config_reloads_total", {{"result", "error"}}), 0);
}

TEST_F(ReloadTest, StartOnlySettingsChangedByReloadAreReported) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(std::string ini,
                       ReplaceOnce(Ini(), "shards = 1\n", "shards = 2\n"));
  ReloadWith(ini);
  ASSERT_TRUE(WaitForReloadCount(metrics_port(), "ok", 1));
  EXPECT_TRUE(Eventually(
      [&] {
        return GatewayLog().find(
                   "shards changed; it applies after a "
                   "restart") != std::string::npos;
      },
      seconds(2)))
      << "a reload that cannot apply `shards` does not say so";
  EXPECT_EQ(StatusOf("/public/echo"), 200);
}

TEST_F(ReloadTest, BrokenConfigIsRefusedAndTheOldOneStays) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  const std::string good = Ini();
  // A valid new route (which must not appear) next to a route naming an
  // undefined upstream and an unknown key.
  const std::string extra =
      "\n[route extra]\npath_prefix = /extra/\nupstream = backend\n"
      "auth = off\n\n[route broken]\npath_prefix = /broken/\n"
      "upstream = nosuch\nauth = off\nbogus_key = 1\n";
  const std::string broken = good + extra;
  auto line_of = [&](std::string_view needle) {
    const size_t pos = broken.find(needle);
    return 1 + std::count(broken.begin(), broken.begin() + pos, '\n');
  };
  const std::string upstream_error =
      absl::StrCat(IniPath(), ":", line_of("upstream = nosuch"), ":");
  const std::string key_error =
      absl::StrCat(IniPath(), ":", line_of("bogus_key = 1"), ":");

  ASSERT_EQ(StatusOf("/public/echo"), 200);
  ReloadWith(broken);
  ASSERT_TRUE(WaitForReloadCount(metrics_port(), "error", 1));

  EXPECT_EQ(StatusOf("/public/echo"), 200);
  EXPECT_EQ(StatusOf("/api/echo", ValidToken()), 200);
  EXPECT_EQ(StatusOf("/api/echo"), 401);
  EXPECT_TRUE(IsGatewayAnswer(Get("/extra/echo"), 404))
      << "part of a refused config was applied";
  const std::string log = GatewayLog();
  EXPECT_NE(log.find(upstream_error), std::string::npos)
      << "expected '" << upstream_error << "' on stderr";
  EXPECT_NE(log.find(key_error), std::string::npos)
      << "expected '" << key_error << "' on stderr";
  ASSERT_OK_AND_ASSIGN(MetricsScrape m, ScrapeMetrics(metrics_port()));
  EXPECT_EQ(m.Get("jwtgate_config_reloads_total", {{"result", "error"}}), 1);
  EXPECT_EQ(m.Get("jwtgate_config_reloads_total", {{"result", "ok"}}), 0);

  // Once fixed, the same file reloads and the new route is served.
  ASSERT_OK_AND_ASSIGN(
      std::string fixed,
      ReplaceOnce(broken, "upstream = nosuch\nauth = off\nbogus_key = 1\n",
                  "upstream = backend\nauth = off\n"));
  ReloadWith(fixed);
  ASSERT_TRUE(WaitForReloadCount(metrics_port(), "ok", 1));
  EXPECT_TRUE(
      Eventually([&] { return StatusOf("/extra/echo") == 200; }, seconds(2)));
  EXPECT_EQ(StatusOf("/broken/echo"), 200);
  ASSERT_OK_AND_ASSIGN(m, ScrapeMetrics(metrics_port()));
  EXPECT_EQ(m.Get("jwtgate_config_reloads_total", {{"result", "error"}}), 1);
}

TEST_F(ReloadTest, RotatedSecretFileIsUsedAfterReloadAndTheOldOneRefused) {
  const std::string secret_path = temp_dir() + "/rotating.secret";
  ASSERT_THAT(ReplaceFile(secret_path, secret()), IsOk());
  GatewayConfig config;
  config.extra_sections =
      "[key filekey]\nalg = HS256\nsecret_file = {tmp}/rotating.secret\n\n"
      "[route rot]\npath_prefix = /rot/\nupstream = backend\n"
      "auth = required\nkeys = filekey\n";
  ASSERT_NO_FATAL_FAILURE(StartGateway(config));

  jwt::MintOptions claims = ValidClaims();
  claims.secret = secret();
  const std::string old_token = Mint(claims);
  claims.secret = secret2();
  const std::string new_token = Mint(claims);

  // Before: the old secret's token is accepted (and now cached), the new
  // one refused.
  ASSERT_OK_AND_ASSIGN(HttpClient kept, Connect());
  auto kept_status = [&](const std::string& token) {
    absl::StatusOr<HttpResponse> r = kept.RoundTrip(BuildRequest(
        "GET", "/rot/echo", {{"Authorization", "Bearer " + token}}));
    return r.ok() ? r->status : -1;
  };
  ASSERT_EQ(kept_status(old_token), 200);
  ASSERT_EQ(kept_status(old_token), 200);
  ASSERT_EQ(StatusOf("/rot/echo", old_token), 200);
  ASSERT_EQ(StatusOf("/rot/echo", new_token), 401);

  ASSERT_THAT(ReplaceFile(secret_path, secret2()), IsOk());
  gateway().Signal(SIGHUP);
  ASSERT_TRUE(WaitForReloadCount(metrics_port(), "ok", 1));

  EXPECT_TRUE(Eventually(
      [&] { return StatusOf("/rot/echo", new_token) == 200; }, seconds(2)));
  EXPECT_EQ(kept_status(new_token), 200);
  // The old token was verified and cached under the old secret: that entry
  // must not be honoured once its key is gone.
  absl::StatusOr<HttpResponse> r = GetWithToken("/rot/echo", old_token);
  EXPECT_TRUE(IsGatewayAnswer(r, 401));
  if (r.ok()) {
    EXPECT_NE(r->Header("www-authenticate").value_or("").find("invalid_token"),
              std::string::npos);
  }
  EXPECT_EQ(kept_status(old_token), 401)
      << "a cached token of a replaced secret was honoured on the kept-alive "
         "connection";
  EXPECT_EQ(GatewayLog().find(secret2()), std::string::npos);
  EXPECT_EQ(GatewayLog().find(secret()), std::string::npos);
}

// Listeners: the fixture's port stays, a second one is added or removed.
class ListenerReloadTest : public ReloadTest {
 protected:
  void StartWithSecondListener() {
    ASSERT_OK_AND_ASSIGN(second_reserved_, ReservePort());
    second_ = second_reserved_.port;
    GatewayConfig config;
    config.gateway_extra = absl::StrCat("listen = 127.0.0.1:", second_, "\n");
    ASSERT_NO_FATAL_FAILURE(StartGateway(config));
    ASSERT_THAT(WaitForPort(second_, seconds(5), &gateway()), IsOk());
  }
  std::string SecondListenLine() const {
    return absl::StrCat("listen = 127.0.0.1:", second_, "\n");
  }
  PortReservation second_reserved_;
  uint16_t second_ = 0;
};

TEST_F(ListenerReloadTest, UnchangedListenerKeepsItsConnectionsAcrossReload) {
  ASSERT_NO_FATAL_FAILURE(StartWithSecondListener());
  ASSERT_OK_AND_ASSIGN(HttpClient kept, Connect());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       kept.RoundTrip(BuildRequest("GET", "/public/echo")));
  ASSERT_EQ(r.status, 200);

  ASSERT_OK_AND_ASSIGN(
      std::string ini,
      ReplaceOnce(Ini(), "[route public]",
                  kNewRoute + std::string("\n[route public]")));
  ReloadWith(ini);
  ASSERT_TRUE(WaitForReloadCount(metrics_port(), "ok", 1));
  EXPECT_TRUE(
      Eventually([&] { return StatusOf("/new/echo") == 200; }, seconds(2)));

  // The connection opened before the reload still serves, under the new
  // config, and was not closed on the way.
  ASSERT_OK_AND_ASSIGN(r, kept.RoundTrip(BuildRequest("GET", "/new/echo")));
  ASSERT_OK_AND_ASSIGN(EchoedRequest after, ParseEcho(r));
  EXPECT_EQ(after.target, "/new/echo");
  ASSERT_OK_AND_ASSIGN(r, kept.RoundTrip(BuildRequest("GET", "/public/echo")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(StatusOf("/public/echo"), 200);
  ASSERT_OK_AND_ASSIGN(HttpClient second, HttpClient::Connect(second_));
  ASSERT_OK_AND_ASSIGN(r, second.RoundTrip(BuildRequest("GET", "/new/echo")));
  EXPECT_EQ(r.status, 200);
}

TEST_F(ListenerReloadTest, ListenerAddedByReloadAcceptsConnections) {
  ASSERT_NO_FATAL_FAILURE(StartWithSecondListener());
  ASSERT_OK_AND_ASSIGN(PortReservation third_reserved, ReservePort());
  const uint16_t third = third_reserved.port;
  ASSERT_OK_AND_ASSIGN(
      std::string ini,
      ReplaceOnce(Ini(), SecondListenLine(),
                  SecondListenLine() +
                      absl::StrCat("listen = 127.0.0.1:", third, "\n")));
  ReloadWith(ini);
  ASSERT_TRUE(WaitForReloadCount(metrics_port(), "ok", 1));
  EXPECT_THAT(WaitForPort(third, seconds(2), &gateway()), IsOk())
      << "a listen address added by SIGHUP does not accept connections";
  absl::StatusOr<HttpClient> c = HttpClient::Connect(third);
  if (c.ok()) {
    absl::StatusOr<HttpResponse> r =
        c->RoundTrip(BuildRequest("GET", "/public/echo"));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(StatusOf("/public/echo"), 200);
}

TEST_F(ListenerReloadTest, ListenerRemovedByReloadStopsAccepting) {
  ASSERT_NO_FATAL_FAILURE(StartWithSecondListener());
  ASSERT_OK_AND_ASSIGN(HttpClient kept, Connect());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       kept.RoundTrip(BuildRequest("GET", "/public/echo")));
  ASSERT_OK_AND_ASSIGN(std::string ini,
                       ReplaceOnce(Ini(), SecondListenLine(), ""));
  ReloadWith(ini);
  ASSERT_TRUE(WaitForReloadCount(metrics_port(), "ok", 1));
  EXPECT_TRUE(Eventually([&] { return ConnectRefused(second_); }, seconds(2)))
      << "the listen address removed by SIGHUP still accepts connections";
  // The listener that stayed serves, old and new connections alike.
  ASSERT_OK_AND_ASSIGN(r, kept.RoundTrip(BuildRequest("GET", "/public/echo")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(StatusOf("/public/echo"), 200);
}

TEST_F(ListenerReloadTest, ListenerThatCannotBeOpenedRefusesTheReload) {
  ASSERT_NO_FATAL_FAILURE(StartWithSecondListener());
  // A port held by a socket without SO_REUSEPORT cannot be shared.
  UniqueFd holder(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(holder.valid());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(
      ::bind(holder.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)),
      0);
  ASSERT_EQ(::listen(holder.get(), 1), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(
      ::getsockname(holder.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const uint16_t taken = ntohs(addr.sin_port);

  ASSERT_OK_AND_ASSIGN(
      std::string ini,
      ReplaceOnce(Ini(), SecondListenLine(),
                  absl::StrCat("listen = 127.0.0.1:", taken, "\n")));
  ASSERT_OK_AND_ASSIGN(
      ini, ReplaceOnce(ini, "[route public]",
                       kNewRoute + std::string("\n[route public]")));
  ReloadWith(ini);
  ASSERT_TRUE(WaitForReloadCount(metrics_port(), "error", 1));
  // Nothing changed: the second listener still serves, the new route is
  // not in force.
  ASSERT_OK_AND_ASSIGN(HttpClient second, HttpClient::Connect(second_));
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       second.RoundTrip(BuildRequest("GET", "/public/echo")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(StatusOf("/new/echo"), 404);
  EXPECT_NE(GatewayLog().find(absl::StrCat("127.0.0.1:", taken)),
            std::string::npos)
      << "the refused reload does not name the address";
}

// logrotate style: rename the file, SIGHUP, new lines go to a new file.
class AccessLogReopenTest : public ReloadTest {
 protected:
  std::string LogPath() const { return temp_dir() + "/access.log"; }
  void Start() {
    GatewayConfig config;
    config.access_log = LogPath();
    ASSERT_NO_FATAL_FAILURE(StartGateway(config));
  }
  // Waits until the file at `path` has a line for `path_field`.
  bool WaitForLine(const std::string& path, std::string_view path_field) {
    const std::string needle =
        absl::StrCat("\"path\":\"", std::string(path_field), "\"");
    return Eventually(
        [&] { return ReadFileOrEmpty(path).find(needle) != std::string::npos; },
        seconds(3));
  }
};

TEST_F(AccessLogReopenTest, RenamedLogIsReopenedAtItsPathOnSighup) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_EQ(StatusOf("/public/echo/one"), 200);
  ASSERT_TRUE(WaitForLine(LogPath(), "/public/echo/one"));
  const std::string rotated = LogPath() + ".1";
  ASSERT_EQ(std::rename(LogPath().c_str(), rotated.c_str()), 0);

  gateway().Signal(SIGHUP);
  ASSERT_TRUE(WaitForReloadCount(metrics_port(), "ok", 1));
  ASSERT_EQ(StatusOf("/public/echo/two"), 200);
  EXPECT_TRUE(WaitForLine(LogPath(), "/public/echo/two"))
      << "no new file at the access_log path after SIGHUP";
  const std::string old_file = ReadFileOrEmpty(rotated);
  EXPECT_NE(old_file.find("/public/echo/one"), std::string::npos);
  EXPECT_EQ(old_file.find("/public/echo/two"), std::string::npos)
      << "lines after SIGHUP still go to the renamed file";
  EXPECT_EQ(ReadFileOrEmpty(LogPath()).find("/public/echo/one"),
            std::string::npos);
}

TEST_F(AccessLogReopenTest, LogIsReopenedEvenWhenTheReloadIsRefused) {
  // logrotate sends SIGHUP whatever state the config file is in: a refused
  // reload must still reopen the access log.
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_EQ(StatusOf("/public/echo/one"), 200);
  ASSERT_TRUE(WaitForLine(LogPath(), "/public/echo/one"));
  const std::string rotated = LogPath() + ".1";
  ASSERT_EQ(std::rename(LogPath().c_str(), rotated.c_str()), 0);

  ReloadWith(Ini() +
             "\n[route broken]\npath_prefix = /b/\nupstream = nosuch\n");
  ASSERT_TRUE(WaitForReloadCount(metrics_port(), "error", 1));
  ASSERT_EQ(StatusOf("/public/echo/two"), 200);
  EXPECT_TRUE(WaitForLine(LogPath(), "/public/echo/two"))
      << "SIGHUP with a refused config did not reopen the access log";
  EXPECT_EQ(ReadFileOrEmpty(rotated).find("/public/echo/two"),
            std::string::npos);
}

}  // namespace
}  // namespace jwtgate::testing
