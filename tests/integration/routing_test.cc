// SPEC §2/§4 routing and path normalisation: longest prefix, host routes,
// 404, and traversal tricks that must not bypass an auth route. The
// upstream's echo shows the normalised target it received.
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"

namespace jwtgate::testing {
namespace {

using RoutingTest = GatewayFixture;

TEST_F(RoutingTest, NoMatchingRouteIs404) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  for (const char* target : {"/", "/nowhere", "/public", "/apix/echo"}) {
    ASSERT_OK_AND_ASSIGN(HttpResponse r, Get(target));
    EXPECT_TRUE(IsGatewayAnswer(r, 404)) << target;
  }
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

TEST_F(RoutingTest, HostRouteBeatsHostlessRouteCaseInsensitivelyWithoutPort) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  for (const char* host :
       {"internal.example.com", "INTERNAL.Example.COM:8443"}) {
    ASSERT_OK_AND_ASSIGN(HttpResponse r, Get("/public/echo", {{"Host", host}}));
    EXPECT_TRUE(IsGatewayAnswer(r, 401)) << host;
  }
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       Get("/public/echo", {{"Host", "www.example.com"}}));
  EXPECT_EQ(r.status, 200);
  ASSERT_OK_AND_ASSIGN(r, GetWithToken("/public/echo", ValidToken(),
                                       {{"Host", "internal.example.com"}}));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(RoutingTest, DotSegmentsCannotEscapeIntoAnAuthRoute) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  for (const char* target :
       {"/public/../api/echo", "/public/%2e%2e/api/echo",
        "/public/%2E%2E/api/echo", "/public/.%2e/api/echo",
        "/public/./../api/echo", "/public/x/../../api/echo"}) {
    ASSERT_OK_AND_ASSIGN(HttpResponse r, Get(target));
    EXPECT_TRUE(IsGatewayAnswer(r, 401)) << target;
  }
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

TEST_F(RoutingTest, UpstreamSeesTheNormalisedPath) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  struct Case {
    const char* sent;
    const char* forwarded;
  };
  for (const Case& c :
       {Case{"/public/a/./b/../echo", "/public/a/echo"},
        Case{"/public/x/%2e%2e/echo", "/public/echo"},
        Case{"/public/./echo/.", "/public/echo/"},
        Case{"/public/echo?x=/../y&z=%2F", "/public/echo?x=/../y&z=%2F"}}) {
    ASSERT_OK_AND_ASSIGN(HttpResponse r, Get(c.sent));
    ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
    EXPECT_EQ(e.target, c.forwarded) << "sent " << c.sent;
  }
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       GetWithToken("/public/../api/echo", ValidToken()));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.target, "/api/echo");
}

TEST_F(RoutingTest, EncodedSeparatorsNulAndClimbingAboveRootAre400) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  for (const char* target :
       {"/public/..%2fapi/echo", "/public/%2Fecho", "/public/%2fecho",
        "/public/..%5capi/echo", "/public/%5Cecho", "/public/%00echo",
        "/../public/echo", "/public/../../echo", "/public/%2e%2e/%2e%2e/x",
        "/public/%zzecho"}) {
    ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
    ASSERT_OK_AND_ASSIGN(HttpResponse r,
                         c.RoundTrip(BuildRequest("GET", target)));
    EXPECT_TRUE(IsGatewayAnswer(r, 400)) << target;
  }
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

}  // namespace
}  // namespace jwtgate::testing
