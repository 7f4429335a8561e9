// Answers of jwtgate_test_upstream; the table is in responder.h.
#include "responder.h"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "absl/strings/str_cat.h"
#include "pattern.h"
#include "text.h"

namespace jwtgate::testing {
namespace {

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

constexpr int kMaxSlowMs = 60'000;
constexpr int kMaxDripBytes = 120;
constexpr uint64_t kMaxPatternBytes = uint64_t{4} << 30;
constexpr size_t kDigestCacheMax = 64;

const char* ReasonPhrase(int status) {
  switch (status) {
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

void AppendHeaderArray(
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->push_back('[');
    AppendJsonString(headers[i].first, out);
    out->push_back(',');
    AppendJsonString(headers[i].second, out);
    out->push_back(']');
  }
  out->push_back(']');
}

std::string EchoJson(const UpstreamRequest& r) {
  std::string j;
  j.reserve(256 + r.target.size() + r.headers.size() * 48);
  j.append("{\"method\":");
  AppendJsonString(r.method, &j);
  j.append(",\"target\":");
  AppendJsonString(r.target, &j);
  absl::StrAppend(&j, ",\"version\":\"", r.http_major, ".", r.http_minor,
                  "\",\"headers\":");
  AppendHeaderArray(r.headers, &j);
  j.append(",\"trailers\":");
  AppendHeaderArray(r.trailers, &j);
  absl::StrAppend(&j, ",\"body_length\":", r.body_length, ",\"body_sha256\":\"",
                  r.body_sha256_hex,
                  "\",\"chunked\":", r.chunked ? "true" : "false",
                  ",\"connection_id\":", r.connection_id,
                  ",\"request_index\":", r.request_index, ",\"peer\":");
  AppendJsonString(r.peer, &j);
  absl::StrAppend(&j, ",\"thread\":", r.thread, "}\n");
  return j;
}

// Parses the decimal number in `s` (whole string); `fallback` when malformed.
uint64_t ParseNumber(std::string_view s, uint64_t fallback) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
    return fallback;
  }
  return v;
}

std::string_view QueryParam(std::string_view query, std::string_view name) {
  for (std::string_view kv : Split(query, '&', true)) {
    size_t eq = kv.find('=');
    if (kv.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view()
                                          : kv.substr(eq + 1);
    }
  }
  return {};
}

// Status line plus the headers every answer carries.
std::string Head(int status, const UpstreamRequest& r) {
  std::string h = absl::StrCat("HTTP/1.1 ", status, " ", ReasonPhrase(status),
                               "\r\nServer: jwtgate-test-upstream\r\n");
  if (!r.keep_alive) h.append("Connection: close\r\n");
  return h;
}

void SetBody(const UpstreamRequest& r, const char* content_type,
             std::string body, ResponsePlan* plan) {
  absl::StrAppend(&plan->head, "Content-Type: ", content_type,
                  "\r\nContent-Length: ", body.size(), "\r\n\r\n");
  if (r.method != "HEAD") plan->body = std::move(body);
}

}  // namespace

std::string_view UpstreamRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqualsNoCase(n, name)) return v;
  }
  return {};
}

std::string PatternSha256Hex(uint64_t n) {
  MdCtxPtr ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  uint64_t off = 0;
  while (off < n) {
    size_t step =
        static_cast<size_t>(std::min<uint64_t>(n - off, kPatternSlack));
    EVP_DigestUpdate(ctx.get(), PatternAt(off), step);
    off += step;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 15]);
  }
  return hex;
}

const std::string& Responder::PatternSha256(uint64_t n) {
  auto it = digest_cache_.find(n);
  if (it != digest_cache_.end()) return it->second;
  if (digest_cache_.size() >= kDigestCacheMax) digest_cache_.clear();
  return digest_cache_.emplace(n, PatternSha256Hex(n)).first->second;
}

ResponsePlan Responder::Error(int status, std::string_view message) {
  ResponsePlan plan;
  UpstreamRequest none;
  none.keep_alive = false;
  plan.head = Head(status, none);
  SetBody(none, "text/plain", std::string(message) + "\n", &plan);
  plan.close_after = true;
  return plan;
}

ResponsePlan Responder::Plan(const UpstreamRequest& r) {
  ResponsePlan plan;
  std::string_view target = r.target;
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view query;
  if (path.size() < target.size()) query = target.substr(path.size() + 1);
  plan.close_after = !r.keep_alive;
  const bool head_only = r.method == "HEAD";

  // The first segment naming a behaviour decides; `arg` is the next one.
  std::vector<std::string_view> segs = Split(path, '/', true);
  std::string_view verb, arg;
  for (size_t i = 0; i < segs.size(); ++i) {
    std::string_view s = segs[i];
    if (s == "echo" || s == "bytes" || s == "slow" || s == "drip" ||
        s == "reset" || s == "close-early" || s == "status" || s == "stats" ||
        s == "ws") {
      verb = s;
      if (i + 1 < segs.size()) arg = segs[i + 1];
      break;
    }
  }
  if (verb != "stats") stats_->requests.fetch_add(1, std::memory_order_relaxed);

  if (verb == "echo" || verb == "slow") {
    plan.head = Head(200, r);
    SetBody(r, "application/json", EchoJson(r), &plan);
    if (verb == "slow") {
      plan.delay_ms =
          static_cast<int>(std::min<uint64_t>(ParseNumber(arg, 0), kMaxSlowMs));
    }
  } else if (verb == "bytes") {
    uint64_t n = std::min(ParseNumber(arg, 0), kMaxPatternBytes);
    bool chunked = QueryParam(query, "chunked") == "1";
    plan.head = Head(200, r);
    absl::StrAppend(&plan.head,
                    "Content-Type: application/octet-stream\r\n"
                    "X-Body-Sha256: ",
                    PatternSha256(n), "\r\n");
    plan.pattern_chunked = chunked && !head_only;
    if (chunked) {
      plan.head.append("Transfer-Encoding: chunked\r\n\r\n");
    } else {
      absl::StrAppend(&plan.head, "Content-Length: ", n, "\r\n\r\n");
    }
    if (!head_only) plan.pattern_bytes = n;
  } else if (verb == "drip") {
    uint64_t n = std::min<uint64_t>(ParseNumber(arg, 1), kMaxDripBytes);
    plan.head = Head(200, r);
    absl::StrAppend(&plan.head,
                    "Content-Type: application/octet-stream\r\n"
                    "X-Body-Sha256: ",
                    PatternSha256(n), "\r\nContent-Length: ", n, "\r\n\r\n");
    if (!head_only) {
      plan.pattern_bytes = n;
      plan.drip_interval_ms = static_cast<int>(std::clamp<uint64_t>(
          ParseNumber(QueryParam(query, "interval_ms"), 1000), 1, 10'000));
    }
  } else if (verb == "reset") {
    plan.reset = true;
  } else if (verb == "close-early") {
    plan.head = Head(200, r);
    plan.head.append(
        "Content-Type: application/octet-stream\r\n"
        "Content-Length: 1000\r\n\r\n");
    plan.body = PatternBytes(0, 500);
    plan.close_after = true;
  } else if (verb == "status") {
    int code = static_cast<int>(ParseNumber(arg, 0));
    if (code < 200 || code > 599) code = 400;
    plan.head = Head(code, r);
    if (code == 204 || code == 304) {
      plan.head.append("\r\n");
    } else {
      SetBody(r, "text/plain", absl::StrCat("status ", code, "\n"), &plan);
    }
  } else if (verb == "stats") {
    plan.head = Head(200, r);
    SetBody(
        r, "application/json",
        absl::StrCat("{\"connections\":",
                     stats_->connections.load(std::memory_order_relaxed),
                     ",\"requests\":",
                     stats_->requests.load(std::memory_order_relaxed), "}\n"),
        &plan);
  } else if (verb == "ws") {
    // Upgrades are answered by the connection (it owns the handshake).
    plan.websocket = true;
  } else {
    plan.head = Head(200, r);
    SetBody(r, "text/plain", "ok", &plan);
  }
  return plan;
}

}  // namespace jwtgate::testing
