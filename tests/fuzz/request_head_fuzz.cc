// Fuzz target: request head parsing, path normalisation, token extraction
// and upstream head rewriting, as a client connection drives them.
//
// Input: byte 0 = control (bits 0-2 feed step, bit 3 strip_authorization,
// bit 4 a 512-byte head limit instead of 16 KiB, bit 5 token cookie); the
// rest is what one client connection sends: up to 8 pipelined requests,
// each head fed in pieces, then its body.
//
// Invariants (FUZZ_CHECK), for every head that completes:
//   1. spans lie inside the head; version 1.0/1.1; names are tokens and
//      values hold no CR/LF/NUL and no edge whitespace;
//   2. framing is unambiguous (smuggling defences): any Transfer-Encoding
//      means chunked and no Content-Length; at most one Content-Length,
//      equal to content_length; no Transfer-Encoding on HTTP/1.0; an
//      HTTP/1.1 head has exactly one Host;
//   3. NormalizeTarget agrees with a plain reference (split, decode %2E,
//      resolve . and ..); a normal path starts with '/', has no empty, "."
//      or ".." segment, keeps the query and normalises to itself;
//   4. the upstream head re-parses cleanly: same method, the normalised
//      target, same framing, one line per field, no hop-by-hop field (but a
//      WebSocket upgrade's), exactly one X-Forwarded-For/-Proto,
//      X-Auth-UserId and claim header (ours), Authorization gone when
//      stripped, and no token the gateway did not see;
//   5. a Content-Length body ends after exactly content_length bytes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwtgate/http/head_writer.h"
#include "jwtgate/http/path_normalizer.h"
#include "jwtgate/http/request_parser.h"
#include "jwtgate/http/token_extractor.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/head_checks.h"

namespace jwtgate::fuzz {
namespace {

using http::RequestParser;
using R = RequestParser::Result;

constexpr std::string_view kClientIp = "192.0.2.7";
constexpr std::string_view kUserId = "auth0|fuzz";
constexpr std::string_view kEmail = "fuzz@example.com";

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reference for SPEC §4 normalisation: nullopt where a 400 is due.
std::optional<std::string> RefNormalize(std::string_view target) {
  if (target.empty() || target[0] != '/') return std::nullopt;
  const size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query =
      q == std::string_view::npos ? "" : target.substr(q);
  if (query.find('\0') != std::string_view::npos) return std::nullopt;
  std::vector<std::string> stack;
  bool trailing = false;
  size_t pos = 1;
  for (;;) {
    const size_t slash = path.find('/', pos);
    const std::string_view seg = path.substr(pos, slash - pos);
    const bool last = slash == std::string_view::npos;
    std::string decoded;
    for (size_t i = 0; i < seg.size(); ++i) {
      if (seg[i] == '\0') return std::nullopt;
      if (seg[i] != '%') {
        decoded.push_back(seg[i]);
        continue;
      }
      if (i + 2 >= seg.size()) return std::nullopt;
      const int hi = Hex(seg[i + 1]), lo = Hex(seg[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      const int v = hi * 16 + lo;
      if (v == 0 || v == '/' || v == '\\') return std::nullopt;
      if (v == '.') {
        decoded.push_back('.');
      } else {
        decoded.append(seg.substr(i, 3));
      }
      i += 2;
    }
    if (decoded.empty() || decoded == ".") {
      trailing = last;
    } else if (decoded == "..") {
      if (stack.empty()) return std::nullopt;
      stack.pop_back();
      trailing = last;
    } else {
      stack.push_back(std::move(decoded));
      trailing = false;
    }
    if (last) break;
    pos = slash + 1;
  }
  std::string out;
  for (const std::string& s : stack) out += "/" + s;
  if (out.empty() || trailing) out += "/";
  out.append(query);
  return out;
}

// Invariant 3; returns the normalised target when it is kOk.
std::optional<std::string> CheckPath(std::string_view target) {
  std::string norm;
  const http::PathVerdict v = http::NormalizeTarget(target, &norm);
  const std::optional<std::string> ref = RefNormalize(target);
  FUZZ_CHECK((v == http::PathVerdict::kOk) == ref.has_value(),
             "NormalizeTarget accepts/refuses unlike the reference");
  if (v != http::PathVerdict::kOk) return std::nullopt;
  FUZZ_CHECK(norm == *ref, "NormalizeTarget differs from the reference");
  const std::string_view path =
      std::string_view(norm).substr(0, norm.find('?'));
  FUZZ_CHECK(!path.empty() && path[0] == '/', "normal path without '/'");
  const std::string padded = std::string(path) + "/";
  FUZZ_CHECK(path.find("//") == std::string_view::npos,
             "normal path has an empty segment");
  FUZZ_CHECK(padded.find("/./") == std::string::npos &&
                 padded.find("/../") == std::string::npos,
             "normal path has a . or .. segment");
  const size_t q = target.find('?');
  FUZZ_CHECK(norm.substr(path.size()) ==
                 (q == std::string_view::npos ? "" : target.substr(q)),
             "the query changed");
  std::string twice;
  FUZZ_CHECK(http::NormalizeTarget(norm, &twice) == http::PathVerdict::kOk &&
                 twice == norm,
             "normalising is not idempotent");
  return norm;
}

// Invariants 1 and 2 for head `h` of bytes [begin, begin + head_bytes).
void CheckHead(const char* base, size_t begin, const http::RequestHead& h) {
  const size_t end = begin + h.head_bytes;
  FUZZ_CHECK(
      SpanWithin(h.method_text, begin, end) && SpanWithin(h.target, begin, end),
      "request line span outside the head");
  FUZZ_CHECK(h.http_major == 1 && h.http_minor <= 1, "unexpected version");
  int te = 0, cl = 0, host = 0;
  for (const http::HeaderField& f : h.headers) {
    FUZZ_CHECK(
        SpanWithin(f.name, begin, end) && SpanWithin(f.value, begin, end),
        "field span outside the head");
    const std::string_view name = f.name.In(base);
    const std::string_view value = f.value.In(base);
    FUZZ_CHECK(!name.empty(), "empty field name");
    for (char c : name) FUZZ_CHECK(http::IsTokenChar(c), "bad field name");
    FUZZ_CHECK(value.find_first_of(std::string_view("\r\n\0", 3)) ==
                   std::string_view::npos,
               "CR, LF or NUL in a field value");
    FUZZ_CHECK(http::TrimOws(value) == value, "untrimmed field value");
    te += http::EqualsIgnoreCase(name, "transfer-encoding");
    host += http::EqualsIgnoreCase(name, "host");
    if (http::EqualsIgnoreCase(name, "content-length")) {
      ++cl;
      uint64_t n = 0;
      FUZZ_CHECK(!value.empty(), "empty Content-Length accepted");
      for (char c : value) {
        FUZZ_CHECK(c >= '0' && c <= '9', "non-digit Content-Length accepted");
        n = n * 10 + static_cast<uint64_t>(c - '0');
      }
      FUZZ_CHECK(value.size() > 19 || n == h.content_length,
                 "content_length differs from the field");
    }
  }
  FUZZ_CHECK(!(h.chunked && h.has_content_length), "both chunked and length");
  FUZZ_CHECK((te > 0) == h.chunked, "Transfer-Encoding without chunked");
  FUZZ_CHECK(cl <= 1 && (cl == 1) == h.has_content_length,
             "Content-Length fields and has_content_length disagree");
  FUZZ_CHECK(!(h.http_minor == 0 && te > 0), "Transfer-Encoding on HTTP/1.0");
  if (h.http_minor == 1) {
    FUZZ_CHECK(host == 1 && h.host_index >= 0, "HTTP/1.1 without one Host");
  }
  if (h.websocket_upgrade) {
    FUZZ_CHECK(h.method_text.In(base) == "GET", "upgrade on a non-GET");
  }
}

// Invariant 4.
void CheckRewrite(const char* base, const http::RequestHead& h,
                  const std::string& norm, bool strip,
                  std::string_view cookie) {
  static const std::vector<std::string> kReserved = {"x-auth-userid",
                                                     "x-auth-email"};
  const http::ExtraHeader claims[] = {{"X-Auth-Email", kEmail}};
  http::UpstreamHeadParams p;
  p.target = norm;
  p.client_ip = kClientIp;
  p.reserved_headers = &kReserved;
  p.strip_authorization = strip;
  p.user_id = kUserId;
  p.claim_headers = claims;
  p.default_host = "upstream.internal";
  std::string out;
  FUZZ_CHECK(http::WriteUpstreamHead(base, h, p, &out),
             "WriteUpstreamHead refused safe values");

  RequestParser re(1 << 20, 512);
  re.Start(out.data());
  size_t used = 0;
  FUZZ_CHECK(re.FeedHead(out.data(), out.size(), &used) == R::kHeadComplete &&
                 used == out.size(),
             "the upstream head does not re-parse");
  const http::RequestHead& u = re.head();
  const char* ub = out.data();
  ExpectSameFields(ub, u.headers, out);
  FUZZ_CHECK(u.method_text.In(ub) == h.method_text.In(base), "method changed");
  FUZZ_CHECK(u.target.In(ub) == norm, "target is not the normalised one");
  FUZZ_CHECK(u.chunked == h.chunked &&
                 u.has_content_length == h.has_content_length &&
                 u.content_length == h.content_length,
             "framing changed on the way upstream");
  FUZZ_CHECK(u.websocket_upgrade == h.websocket_upgrade, "upgrade changed");
  for (const char* hop : {"keep-alive", "proxy-connection", "te", "trailer"}) {
    FUZZ_CHECK(CountFields(ub, u.headers, hop) == 0, "hop-by-hop field sent");
  }
  const int conn = CountFields(ub, u.headers, "connection");
  const int upgrade = CountFields(ub, u.headers, "upgrade");
  if (h.websocket_upgrade) {
    FUZZ_CHECK(
        conn == 1 && FieldValue(ub, u.headers, "connection") == "Upgrade",
        "WebSocket upgrade without one Connection: Upgrade");
    FUZZ_CHECK(upgrade >= 1, "WebSocket upgrade lost its Upgrade field");
  } else {
    FUZZ_CHECK(conn == 0 && upgrade == 0, "Connection/Upgrade sent upstream");
  }
  FUZZ_CHECK(CountFields(ub, u.headers, "x-forwarded-proto") == 1 &&
                 FieldValue(ub, u.headers, "x-forwarded-proto") == "http",
             "not exactly one X-Forwarded-Proto: http");
  FUZZ_CHECK(CountFields(ub, u.headers, "x-forwarded-for") == 1,
             "not exactly one X-Forwarded-For");
  const std::string_view xff = FieldValue(ub, u.headers, "x-forwarded-for");
  FUZZ_CHECK(xff.size() >= kClientIp.size() &&
                 xff.substr(xff.size() - kClientIp.size()) == kClientIp,
             "X-Forwarded-For does not end with the client address");
  FUZZ_CHECK(CountFields(ub, u.headers, "x-auth-userid") == 1 &&
                 FieldValue(ub, u.headers, "x-auth-userid") == kUserId,
             "a client's X-Auth-UserId reached the upstream");
  FUZZ_CHECK(CountFields(ub, u.headers, "x-auth-email") == 1 &&
                 FieldValue(ub, u.headers, "x-auth-email") == kEmail,
             "a client's claim header reached the upstream");
  FUZZ_CHECK(CountFields(ub, u.headers, "host") == 1, "not exactly one Host");
  if (strip) {
    FUZZ_CHECK(CountFields(ub, u.headers, "authorization") == 0,
               "Authorization sent although stripped");
  }
  const http::TokenSearch before = http::ExtractToken(base, h, cookie);
  const http::TokenSearch after = http::ExtractToken(ub, u, cookie);
  // A conflict is answered with 400 and never forwarded.
  if (before.status != http::TokenSearch::Status::kConflict &&
      after.status != http::TokenSearch::Status::kNone) {
    FUZZ_CHECK(after.status == http::TokenSearch::Status::kFound &&
                   before.status == http::TokenSearch::Status::kFound &&
                   before.token == after.token,
               "the upstream sees a token the gateway did not check");
  }
}

}  // namespace
}  // namespace jwtgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace jwtgate::fuzz;
  using jwtgate::http::RequestError;
  if (size < 1 || size > 64 * 1024) return -1;
  const uint8_t ctl = data[0];
  const size_t step = FeedStep(ctl);
  const bool strip = (ctl & 0x08) != 0;
  const uint32_t max_head = (ctl & 0x10) != 0 ? 512 : 16 * 1024;
  const std::string_view cookie = (ctl & 0x20) != 0 ? "access_token" : "";
  // The connection's head arena: stable memory the spans point into.
  const std::string arena(reinterpret_cast<const char*>(data + 1), size - 1);
  const char* base = arena.data();

  RequestParser parser(max_head, 64);
  size_t pos = 0;
  for (int message = 0; message < 8 && pos < arena.size(); ++message) {
    parser.Start(base);
    const size_t begin = pos;
    R r = R::kNeedMore;
    while (pos < arena.size()) {
      const size_t n = std::min(step, arena.size() - pos);
      size_t used = 0;
      r = parser.FeedHead(base + pos, n, &used);
      FUZZ_CHECK(used <= n, "FeedHead consumed more than given");
      FUZZ_CHECK(r != R::kNeedMore || used == n, "kNeedMore left bytes");
      pos += used;
      if (r != R::kNeedMore) break;
    }
    if (r == R::kError) {
      const int status = jwtgate::http::StatusFor(parser.error());
      FUZZ_CHECK(parser.error() != RequestError::kNone &&
                     (status == 400 || status == 431 || status == 505),
                 "an error without a 400/431/505 answer");
      FUZZ_CHECK(parser.error_reason() != nullptr, "error without reason");
      return 0;
    }
    if (r != R::kHeadComplete) return 0;
    const jwtgate::http::RequestHead& h = parser.head();
    FUZZ_CHECK(h.head_bytes == pos - begin && h.head_bytes <= max_head,
               "head_bytes is not what was consumed");
    CheckHead(base, begin, h);
    if (auto norm = CheckPath(h.target.In(base))) {
      CheckRewrite(base, h, *norm, strip, cookie);
    }
    if (!h.has_body()) continue;
    // Invariant 5, and the body parser in pieces.
    while (true) {
      const size_t n = std::min(step, arena.size() - pos);
      size_t used = 0;
      r = parser.FeedBody(base + pos, n, &used);
      FUZZ_CHECK(used <= n, "FeedBody consumed more than given");
      pos += used;
      if (r == R::kMessageComplete) {
        if (!h.chunked) {
          FUZZ_CHECK(parser.body_bytes() == h.content_length,
                     "a Content-Length body ended at another length");
        }
        break;
      }
      if (r == R::kError) {
        FUZZ_CHECK(parser.error() == RequestError::kBadChunk ||
                       parser.error() == RequestError::kMalformed,
                   "unexpected body error");
        return 0;
      }
      if (pos >= arena.size()) return 0;
    }
  }
  return 0;
}
