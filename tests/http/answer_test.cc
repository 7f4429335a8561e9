#include "jwtgate/http/answer.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtgate/http/response_parser.h"

namespace jwtgate::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Parses an answer back to check it is a valid, self-delimiting response.
std::string BodyOf(const std::string& wire, int* status) {
  ResponseParser p(16 * 1024, 64);
  std::string arena = wire;
  p.Start(arena.data(), false);
  size_t used;
  EXPECT_EQ(p.FeedHead(arena.data(), arena.size(), &used),
            ResponseParser::Result::kHeadComplete);
  *status = p.head().status;
  size_t more;
  EXPECT_EQ(p.FeedBody(arena.data() + used, arena.size() - used, &more),
            ResponseParser::Result::kMessageComplete);
  EXPECT_EQ(used + more, arena.size());
  return arena.substr(used);
}

TEST(AnswerTest, UnauthorizedWithChallenge) {
  std::string out;
  AppendAnswer(
      {.status = 401,
       .error = "invalid_token",
       .message = "token expired",
       .www_authenticate = "Bearer realm=\"jwtgate\", error=\"invalid_token\""},
      &out);
  EXPECT_THAT(out, ::testing::StartsWith("HTTP/1.1 401 Unauthorized\r\n"));
  EXPECT_THAT(out, HasSubstr("Content-Type: application/json\r\n"));
  EXPECT_THAT(out, HasSubstr("WWW-Authenticate: Bearer realm=\"jwtgate\", "
                             "error=\"invalid_token\"\r\n"));
  int status;
  EXPECT_EQ(BodyOf(out, &status),
            "{\"error\":\"invalid_token\",\"message\":\"token expired\"}\n");
  EXPECT_EQ(status, 401);
}

TEST(AnswerTest, DefaultsCloseAndHead) {
  std::string out;
  AppendAnswer({.status = 404}, &out);
  int status;
  EXPECT_EQ(BodyOf(out, &status),
            "{\"error\":\"not_found\",\"message\":\"no route for this "
            "request\"}\n");
  EXPECT_THAT(out, Not(HasSubstr("Connection:")));
  EXPECT_THAT(out, Not(HasSubstr("WWW-Authenticate")));

  std::string closing;
  AppendAnswer({.status = 400, .close = true}, &closing);
  EXPECT_THAT(closing, HasSubstr("Connection: close\r\n"));

  std::string head;
  AppendAnswer({.status = 404, .head_request = true}, &head);
  EXPECT_THAT(head, ::testing::EndsWith("\r\n\r\n"));
  EXPECT_THAT(head, HasSubstr("Content-Length: "));
}

TEST(AnswerTest, EveryGatewayStatusHasAReason) {
  for (int s : {400, 401, 403, 404, 408, 413, 431, 502, 503, 504, 505}) {
    EXPECT_NE(ReasonPhrase(s), "Unknown") << s;
    EXPECT_NE(DefaultErrorCode(s), "error") << s;
  }
}

TEST(AnswerTest, JsonEscaping) {
  std::string out;
  AppendJsonString("a\"b\\c\n\x01", &out);
  EXPECT_EQ(out, "a\\\"b\\\\c\\u000a\\u0001");
}

}  // namespace
}  // namespace jwtgate::http
