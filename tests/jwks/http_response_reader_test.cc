#include "jwks/http_response_reader.h"

#include <string>

#include "gtest/gtest.h"

namespace jwtgate::jwks {
namespace {

// Feeds `wire` in pieces of `step` bytes, then an EOF (clean TLS close).
absl::Status ReadAll(HttpResponseReader& reader, std::string_view wire,
                     size_t step, bool eof = true, bool clean = true) {
  while (!wire.empty()) {
    const std::string_view piece = wire.substr(0, step);
    absl::Status s = reader.Feed(piece);
    if (!s.ok()) return s;
    wire.remove_prefix(piece.size());
  }
  if (eof && !reader.complete()) return reader.FinishAtEof(clean);
  return absl::OkStatus();
}

TEST(HttpResponseReaderTest, ContentLengthBodyByteByByte) {
  HttpResponseReader reader(1024);
  const std::string wire =
      "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n"
      "Cache-Control: public, max-age=600\r\n\r\n{\"keys\":[]}";
  ASSERT_TRUE(ReadAll(reader, wire, 1, /*eof=*/false).ok());
  EXPECT_TRUE(reader.complete());
  EXPECT_EQ(reader.status(), 200);
  EXPECT_EQ(reader.max_age_seconds(), 600);
  EXPECT_EQ(reader.TakeBody(), "{\"keys\":[]}");
}

TEST(HttpResponseReaderTest, ChunkedBody) {
  HttpResponseReader reader(1024);
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\n{\"ke\r\n7\r\nys\":[]}\r\n0\r\n\r\n";
  ASSERT_TRUE(ReadAll(reader, wire, 5, /*eof=*/false).ok());
  EXPECT_TRUE(reader.complete());
  EXPECT_EQ(reader.TakeBody(), "{\"keys\":[]}");
  EXPECT_EQ(reader.max_age_seconds(), std::nullopt);
}

TEST(HttpResponseReaderTest, CloseDelimitedBodyNeedsCleanClose) {
  const std::string wire = "HTTP/1.1 200 OK\r\n\r\n{\"keys\":[]}";
  HttpResponseReader clean(1024);
  ASSERT_TRUE(ReadAll(clean, wire, 64, true, /*clean=*/true).ok());
  EXPECT_TRUE(clean.complete());
  EXPECT_EQ(clean.TakeBody(), "{\"keys\":[]}");

  HttpResponseReader truncated(1024);
  absl::Status s = ReadAll(truncated, wire, 64, true, /*clean=*/false);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_FALSE(truncated.complete());
}

TEST(HttpResponseReaderTest, EofBeforeContentLengthIsReachedIsAnError) {
  HttpResponseReader reader(1024);
  absl::Status s =
      ReadAll(reader, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nabc", 64);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(reader.complete());
}

TEST(HttpResponseReaderTest, EofBeforeAnyResponse) {
  HttpResponseReader reader(1024);
  absl::Status s = reader.FinishAtEof(true);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("before a response"),
            std::string::npos);
}

TEST(HttpResponseReaderTest, Non200IsRefusedAtTheHead) {
  HttpResponseReader reader(1024);
  absl::Status s =
      reader.Feed("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(s.message()).find("HTTP 404"), std::string::npos) << s;
  EXPECT_FALSE(reader.complete());
}

TEST(HttpResponseReaderTest, InterimResponseIsSkipped) {
  HttpResponseReader reader(1024);
  ASSERT_TRUE(reader
                  .Feed("HTTP/1.1 100 Continue\r\n\r\n"
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                  .ok());
  EXPECT_TRUE(reader.complete());
  EXPECT_EQ(reader.status(), 200);
  EXPECT_EQ(reader.TakeBody(), "{}");
}

TEST(HttpResponseReaderTest, DeclaredLengthOverTheLimitIsRefusedEarly) {
  HttpResponseReader reader(100);
  absl::Status s =
      reader.Feed("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
}

TEST(HttpResponseReaderTest, ChunkedBodyOverTheLimitIsRefused) {
  HttpResponseReader reader(100);
  std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 11; ++i) wire += "a\r\n0123456789\r\n";
  wire += "0\r\n\r\n";
  absl::Status s = ReadAll(reader, wire, 7, /*eof=*/false);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
}

TEST(HttpResponseReaderTest, ExactlyAtTheLimitIsAccepted) {
  HttpResponseReader reader(10);
  ASSERT_TRUE(ReadAll(reader,
                      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789",
                      3, false)
                  .ok());
  EXPECT_TRUE(reader.complete());
}

TEST(HttpResponseReaderTest, MalformedResponse) {
  HttpResponseReader reader(1024);
  absl::Status s = reader.Feed("HTTX/1.1 200 OK\r\n\r\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
}

TEST(HttpResponseReaderTest, SmugglingShapedFramingIsRefused) {
  HttpResponseReader reader(1024);
  absl::Status s = reader.Feed(
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}");
  EXPECT_FALSE(s.ok());
}

TEST(CacheControlTest, MaxAge) {
  EXPECT_EQ(ParseCacheControlMaxAge("max-age=60"), 60);
  EXPECT_EQ(ParseCacheControlMaxAge("public, Max-Age = 300 , must-revalidate"),
            300);
  EXPECT_EQ(ParseCacheControlMaxAge("max-age=\"15\""), 15);
  EXPECT_EQ(ParseCacheControlMaxAge("s-maxage=5, max-age=0"), 0);
  EXPECT_EQ(ParseCacheControlMaxAge("no-cache"), std::nullopt);
  EXPECT_EQ(ParseCacheControlMaxAge("max-age=-1"), std::nullopt);
  EXPECT_EQ(ParseCacheControlMaxAge("max-age="), std::nullopt);
  EXPECT_EQ(ParseCacheControlMaxAge("max-age=12x"), std::nullopt);
  EXPECT_EQ(ParseCacheControlMaxAge("max-age=99999999999999999999999"),
            365 * 24 * 3600);
  EXPECT_EQ(ParseCacheControlMaxAge(""), std::nullopt);
}

TEST(CacheControlTest, RepeatedHeaderValuesAreJoined) {
  HttpResponseReader reader(64);
  ASSERT_TRUE(
      reader
          .Feed("HTTP/1.1 200 OK\r\nCache-Control: public\r\n"
                "cache-control: max-age=42\r\nContent-Length: 0\r\n\r\n")
          .ok());
  EXPECT_TRUE(reader.complete());
  EXPECT_EQ(reader.max_age_seconds(), 42);
}

}  // namespace
}  // namespace jwtgate::jwks
