// File: tests/integration/integration_util.h
//
// Assertions shared by the integration suite (tests/integration/*_test.cc),
// which runs the real jwtgate in front of the real test upstream through
// GatewayFixture (tests/testing/gateway_fixture.h).
#ifndef JWTGATE_TESTS_INTEGRATION_INTEGRATION_UTIL_H_
#define JWTGATE_TESTS_INTEGRATION_INTEGRATION_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_fixture.h"
#include "tests/testing/http_client.h"
#include "tests/testing/status_matchers.h"

namespace jwtgate::testing {

// An answer jwtgate produced itself (SPEC §4): `status`,
// `Content-Type: application/json`, body {"error":"..","message":".."}.
inline ::testing::AssertionResult IsGatewayAnswer(const HttpResponse& r,
                                                  int status) {
  if (r.status != status) {
    return ::testing::AssertionFailure()
           << "status " << r.status << ", expected " << status
           << "; body: " << r.body.substr(0, 300);
  }
  std::optional<std::string> ct = r.Header("content-type");
  if (!ct.has_value() || ct->rfind("application/json", 0) != 0) {
    return ::testing::AssertionFailure()
           << "Content-Type '" << ct.value_or("(none)")
           << "', expected application/json";
  }
  absl::StatusOr<std::string> error = ErrorField(r);
  if (!error.ok()) return ::testing::AssertionFailure() << error.status();
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult IsGatewayAnswer(
    const absl::StatusOr<HttpResponse>& r, int status) {
  if (!r.ok()) {
    return ::testing::AssertionFailure()
           << "no response: " << r.status() << " (expected " << status << ")";
  }
  return IsGatewayAnswer(*r, status);
}

// The connection was closed by the server (FIN or RST) within a bound.
inline ::testing::AssertionResult ServerClosed(HttpClient& c) {
  PeerState s = c.WaitForClose(std::chrono::seconds(5));
  if (s == PeerState::kClosed || s == PeerState::kReset) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "connection not closed by the server: " << PeerStateName(s)
         << (s == PeerState::kData
                 ? " (unexpected bytes: '" + c.buffered().substr(0, 200) + "')"
                 : std::string());
}

inline std::string Join(const std::vector<std::string>& v,
                        std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out.append(sep);
    out.append(v[i]);
  }
  return out;
}

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_INTEGRATION_INTEGRATION_UTIL_H_
