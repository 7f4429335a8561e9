// SPEC §4 smuggling defences: each request below gets 400 (JSON), the
// connection is then closed, and the upstream never receives a complete
// request. All target the auth = off route, so only framing can stop them.
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"

namespace jwtgate::testing {
namespace {

struct SmuggleCase {
  const char* name;
  std::string raw;
};

const std::string kPost = "POST /public/echo HTTP/1.1\r\nHost: x\r\n";
const std::string kGet = "GET /public/echo HTTP/1.1\r\nHost: x\r\n";
// A second request hidden in a body, for the length-confusion cases.
const std::string kHidden =
    "GET /public/echo?smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

const SmuggleCase kCases[] = {
    {"content_length_and_chunked",
     kPost +
         "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
         kHidden},
    {"chunked_and_content_length",
     kPost +
         "Transfer-Encoding: chunked\r\nContent-Length: 50\r\n\r\n0\r\n\r\n" +
         kHidden},
    {"two_different_content_lengths",
     kPost + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"},
    {"content_length_list", kPost + "Content-Length: 5, 6\r\n\r\nhello!"},
    {"content_length_plus_sign", kPost + "Content-Length: +5\r\n\r\nhello"},
    {"content_length_negative", kPost + "Content-Length: -1\r\n\r\nhello"},
    {"content_length_hex", kPost + "Content-Length: 0x5\r\n\r\nhello"},
    {"transfer_encoding_identity",
     kPost + "Transfer-Encoding: identity\r\n\r\n0\r\n\r\n"},
    {"transfer_encoding_chunked_not_last",
     kPost + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"},
    {"transfer_encoding_xchunked",
     kPost + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"},
    {"transfer_encoding_space_before_colon",
     kPost + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"},
    {"transfer_encoding_vertical_tab", kPost + "Transfer-Encoding:\x0b"
                                               "chunked\r\n\r\n0\r\n\r\n"},
    {"transfer_encoding_twice_second_bogus",
     kPost +
         "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\n"},
    {"chunk_size_not_hex",
     kPost + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"},
    {"chunk_size_overflow",
     kPost +
         "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\nx\r\n"},
    {"chunk_longer_than_declared",
     kPost + "Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n"},
    {"chunk_data_without_crlf",
     kPost + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloX0\r\n\r\n"},
    {"chunk_size_bare_lf",
     kPost + "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n"},
    {"bare_lf_line_endings", "GET /public/echo HTTP/1.1\nHost: x\n\n"},
    {"bare_lf_in_header_block", kGet + "X-A: 1\nX-B: 2\r\n\r\n"},
    {"bare_cr_in_header_value", kGet + "X-A: a\rb\r\n\r\n"},
    {"nul_in_header_value", kGet + std::string("X-A: a\0b\r\n\r\n", 12)},
    {"nul_in_request_target",
     std::string("GET /public/echo\0x HTTP/1.1\r\nHost: x\r\n\r\n", 40)},
    {"obs_fold", kGet + "X-A: a\r\n b\r\n\r\n"},
    {"space_in_header_name", kGet + "X A: b\r\n\r\n"},
    {"header_without_colon", kGet + "X-A b\r\n\r\n"},
    // llhttp ends a CONNECT at its head (a tunnel follows), so its body
    // would be read as the next request (fuzz finding
    // request_head/connect-with-body).
    {"connect_with_content_length",
     "CONNECT /public/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n" +
         kHidden},
    {"connect_with_chunked_body",
     "CONNECT /public/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
     "chunked\r\n\r\n32\r\n" +
         kHidden},
    {"connect_authority_form", "CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n"},
};

class SmugglingTest : public GatewayFixture,
                      public ::testing::WithParamInterface<SmuggleCase> {};

TEST_P(SmugglingTest, Is400ThenCloseAndNothingReachesUpstream) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_THAT(c.Send(GetParam().raw), IsOk());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, c.ReadResponse());
  EXPECT_TRUE(IsGatewayAnswer(r, 400));
  EXPECT_TRUE(ServerClosed(c));
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

INSTANTIATE_TEST_SUITE_P(Cases, SmugglingTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<SmuggleCase>& p) {
                           return std::string(p.param.name);
                         });

using SmugglingBaselineTest = GatewayFixture;

// The same shapes, well-formed, do get through: the cases above fail for
// the reason they test, not because of the route or the method.
TEST_F(SmugglingBaselineTest, WellFormedBodiesPass) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       c.RoundTrip(kPost + "Content-Length: 5\r\n\r\nhello"));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.body_length, 5u);
  ASSERT_OK_AND_ASSIGN(
      r, c.RoundTrip(kPost +
                     "Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n"
                     "0\r\n\r\n"));
  ASSERT_OK_AND_ASSIGN(e, ParseEcho(r));
  EXPECT_EQ(e.body_sha256, Sha256Hex("hello"));
  ASSERT_OK_AND_ASSIGN(r, c.RoundTrip(kGet + "X-A:\tvalue with\ttab\r\n\r\n"));
  ASSERT_OK_AND_ASSIGN(e, ParseEcho(r));
  EXPECT_EQ(e.Header("x-a").value_or(""), "value with\ttab");
  EXPECT_EQ(QueryUpstream().requests, 3u);
}

}  // namespace
}  // namespace jwtgate::testing
