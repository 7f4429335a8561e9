// File: tests/integration/lifecycle_util.h
//
// Helpers for the lifecycle and observability integration tests
// (lifecycle_*_test.cc, observability_test.cc): scraping and parsing
// jwtgate's /metrics, rewriting the running gateway's ini for a SIGHUP,
// bounded polling, and an AF_UNIX datagram socket standing in for systemd's
// NOTIFY_SOCKET. Header-only: the suite compiles only *_test.cc files.
//
// Thread rule: every helper is used from one thread at a time; a
// NotifySocket belongs to the test thread.
#ifndef JWTGATE_TESTS_INTEGRATION_LIFECYCLE_UTIL_H_
#define JWTGATE_TESTS_INTEGRATION_LIFECYCLE_UTIL_H_

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/integration_util.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"

namespace jwtgate::testing {

using LifecycleClock = std::chrono::steady_clock;

// Calls `done` until it returns true or `timeout` passes, pausing `step`
// between attempts (a bounded wait on a condition, not a fixed sleep).
inline bool Eventually(
    const std::function<bool()>& done, std::chrono::milliseconds timeout,
    std::chrono::milliseconds step = std::chrono::milliseconds(10)) {
  const auto deadline = LifecycleClock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (LifecycleClock::now() >= deadline) return false;
    ::poll(nullptr, 0, static_cast<int>(step.count()));
  }
}

// GET `path` on jwtgate's metrics listener (one request per connection).
inline absl::StatusOr<HttpResponse> MetricsGet(uint16_t metrics_port,
                                               std::string_view path) {
  absl::StatusOr<HttpClient> c = HttpClient::Connect(metrics_port);
  if (!c.ok()) return c.status();
  return c->RoundTrip(BuildRequest("GET", path, {{"Connection", "close"}}),
                      {.timeout = std::chrono::seconds(5)});
}

// One parsed Prometheus text scrape: samples keyed by name plus labels in
// sorted order, so lookups do not depend on the label order jwtgate writes.
class MetricsScrape {
 public:
  static absl::StatusOr<MetricsScrape> Parse(std::string text) {
    MetricsScrape m;
    m.text_ = std::move(text);
    std::string_view rest = m.text_;
    while (!rest.empty()) {
      const size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
      if (line.empty() || line[0] == '#') continue;
      const size_t space = line.rfind(' ');
      if (space == std::string_view::npos) {
        return absl::DataLossError(
            absl::StrCat("metrics line: ", std::string(line)));
      }
      absl::StatusOr<std::string> key = Canonical(line.substr(0, space));
      if (!key.ok()) return key.status();
      const std::string value(line.substr(space + 1));
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0') {
        return absl::DataLossError(
            absl::StrCat("metrics value: ", std::string(line)));
      }
      if (!m.samples_.emplace(*key, v).second) {
        return absl::DataLossError(
            absl::StrCat("duplicate series: ", std::string(line)));
      }
    }
    return m;
  }

  // The sample `name` with `labels` ({{"route","api"},{"code","200"}}), or
  // nullopt when the scrape does not have it.
  std::optional<double> Find(
      std::string_view name,
      std::vector<std::pair<std::string, std::string>> labels = {}) const {
    std::string series(name);
    if (!labels.empty()) {
      std::sort(labels.begin(), labels.end());
      series += '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) series += ',';
        absl::StrAppend(&series, labels[i].first, "=\"", labels[i].second,
                        "\"");
      }
      series += '}';
    }
    auto it = samples_.find(series);
    if (it == samples_.end()) return std::nullopt;
    return it->second;
  }
  // Like Find, 0 when absent (a counter not yet created).
  double Get(
      std::string_view name,
      std::vector<std::pair<std::string, std::string>> labels = {}) const {
    return Find(name, std::move(labels)).value_or(0);
  }
  const std::string& text() const { return text_; }

 private:
  // `name{b="2",a="1"}` -> `name{a="1",b="2"}` (values kept escaped).
  static absl::StatusOr<std::string> Canonical(std::string_view series) {
    const size_t brace = series.find('{');
    if (brace == std::string_view::npos) return std::string(series);
    if (series.back() != '}') {
      return absl::DataLossError(
          absl::StrCat("metrics series: ", std::string(series)));
    }
    std::vector<std::string> labels;
    std::string_view body = series.substr(brace + 1);
    body.remove_suffix(1);
    size_t i = 0;
    while (i < body.size()) {
      const size_t eq = body.find("=\"", i);
      if (eq == std::string_view::npos) {
        return absl::DataLossError(
            absl::StrCat("metrics labels: ", std::string(series)));
      }
      size_t j = eq + 2;
      while (j < body.size() && body[j] != '"') j += body[j] == '\\' ? 2 : 1;
      if (j >= body.size()) {
        return absl::DataLossError(
            absl::StrCat("metrics labels: ", std::string(series)));
      }
      labels.emplace_back(body.substr(i, j + 1 - i));
      i = j + 1;
      if (i < body.size() && body[i] == ',') ++i;
    }
    std::sort(labels.begin(), labels.end());
    std::string out(series.substr(0, brace));
    out += '{';
    for (size_t k = 0; k < labels.size(); ++k) {
      if (k > 0) out += ',';
      out += labels[k];
    }
    out += '}';
    return out;
  }

  std::string text_;
  std::map<std::string, double> samples_;
};

// Scrapes and parses /metrics (must answer 200).
inline absl::StatusOr<MetricsScrape> ScrapeMetrics(uint16_t metrics_port) {
  absl::StatusOr<HttpResponse> r = MetricsGet(metrics_port, "/metrics");
  if (!r.ok()) return r.status();
  if (r->status != 200) {
    return absl::FailedPreconditionError(
        absl::StrCat("/metrics answered ", r->status));
  }
  return MetricsScrape::Parse(r->body);
}

// Waits until jwtgate_config_reloads_total{result=`result`} reaches
// `at_least` (the control thread counts a reload once it has published it).
inline ::testing::AssertionResult WaitForReloadCount(
    uint16_t metrics_port, std::string_view result, double at_least,
    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  double seen = -1;
  std::string last_error;
  const bool ok = Eventually(
      [&] {
        absl::StatusOr<MetricsScrape> m = ScrapeMetrics(metrics_port);
        if (!m.ok()) {
          last_error = m.status().ToString();
          return false;
        }
        seen = m->Get("jwtgate_config_reloads_total",
                      {{"result", std::string(result)}});
        return seen >= at_least;
      },
      timeout);
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "jwtgate_config_reloads_total{result=\"" << result << "\"} is "
         << seen << " after " << timeout.count()
         << " ms, expected >= " << at_least << " " << last_error;
}

// Whole-file replace by rename, so jwtgate never reads half a file.
inline absl::Status ReplaceFile(const std::string& path,
                                std::string_view data) {
  const std::string tmp = path + ".new";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) return absl::InternalError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("rename to ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// Runs the real `promtool check metrics` on `scrape` (files under `dir`):
// success when it exits 0, else its output and the scrape.
inline ::testing::AssertionResult PromtoolAccepts(const std::string& scrape,
                                                  const std::string& dir) {
  const std::string in = dir + "/scrape.txt";
  const std::string out = dir + "/promtool.out";
  absl::Status written = ReplaceFile(in, scrape);
  if (!written.ok()) return ::testing::AssertionFailure() << written;
  absl::StatusOr<Process> promtool = Process::Start(
      {.program = "/bin/sh",
       .args = {"-c", "exec promtool check metrics < \"$0\"", in},
       .stdout_path = out,
       .stderr_path = out + ".err"});
  if (!promtool.ok()) {
    return ::testing::AssertionFailure() << promtool.status();
  }
  std::optional<int> status = promtool->WaitExit(std::chrono::seconds(20));
  if (!status.has_value()) {
    return ::testing::AssertionFailure() << "promtool did not finish";
  }
  if (DescribeWaitStatus(*status) != "exit 0") {
    return ::testing::AssertionFailure()
           << "promtool check metrics: " << DescribeWaitStatus(*status) << "\n"
           << ReadFileOrEmpty(out) << ReadFileOrEmpty(out + ".err")
           << "\n--- scrape:\n"
           << scrape;
  }
  return ::testing::AssertionSuccess();
}

// `text` with the first `from` replaced by `to`; an error when absent.
inline absl::StatusOr<std::string> ReplaceOnce(std::string text,
                                               std::string_view from,
                                               std::string_view to) {
  const size_t pos = text.find(from);
  if (pos == std::string::npos) {
    return absl::NotFoundError(
        absl::StrCat("'", std::string(from), "' not in the text"));
  }
  text.replace(pos, from.size(), to);
  return text;
}

// Lines of `text` (without the newlines; a last unterminated line counts).
inline std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    lines.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

// Connecting to 127.0.0.1:`port` is refused (or the connection is dropped
// at once without an answer): nothing listens there any more.
inline bool ConnectRefused(uint16_t port) {
  absl::StatusOr<HttpClient> c =
      HttpClient::Connect(port, std::chrono::seconds(1));
  if (!c.ok()) return true;
  // A connection that slipped into a closing listener's queue is closed
  // without an answer.
  if (!c->Send(BuildRequest("GET", "/public/echo")).ok()) return true;
  const PeerState s = c->WaitForClose(std::chrono::milliseconds(500));
  return s == PeerState::kClosed || s == PeerState::kReset;
}

// A bound AF_UNIX datagram socket at `path`: what systemd gives a
// Type=notify service as NOTIFY_SOCKET. Receives sd_notify messages.
class NotifySocket {
 public:
  static absl::StatusOr<NotifySocket> Bind(const std::string& path) {
    sockaddr_un addr{};
    if (path.size() >= sizeof(addr.sun_path)) {
      return absl::InvalidArgumentError("socket path too long: " + path);
    }
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return absl::InternalError("socket(AF_UNIX)");
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    ::unlink(path.c_str());
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) !=
        0) {
      return absl::InternalError(
          absl::StrCat("bind ", path, ": ", std::strerror(errno)));
    }
    return NotifySocket(std::move(fd));
  }

  // The next datagram, or nullopt after `timeout`.
  std::optional<std::string> Receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
      return std::nullopt;
    }
    char buf[4096];
    const ssize_t n = ::recv(fd_.get(), buf, sizeof(buf), 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  }

  // Receives until a message holding the line `line` (e.g. "READY=1")
  // arrives; every message received on the way is appended to `seen`.
  std::optional<std::string> ReceiveUntil(std::string_view line,
                                          std::chrono::milliseconds timeout,
                                          std::vector<std::string>* seen) {
    const auto deadline = LifecycleClock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - LifecycleClock::now());
      if (left.count() <= 0) return std::nullopt;
      std::optional<std::string> m = Receive(left);
      if (!m.has_value()) return std::nullopt;
      seen->push_back(*m);
      if (HasLine(*m, line)) return m;
    }
  }

  // True if `message` has `line` as one of its newline-separated lines.
  static bool HasLine(std::string_view message, std::string_view line) {
    for (const std::string& l : SplitLines(message)) {
      if (l == line) return true;
    }
    return false;
  }
  // The value of `NAME=` in `message`, if present.
  static std::optional<std::string> Field(std::string_view message,
                                          std::string_view name) {
    const std::string prefix = absl::StrCat(std::string(name), "=");
    for (const std::string& l : SplitLines(message)) {
      if (l.rfind(prefix, 0) == 0) return l.substr(prefix.size());
    }
    return std::nullopt;
  }

 private:
  explicit NotifySocket(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_INTEGRATION_LIFECYCLE_UTIL_H_
