// The JSON line of one access-log record, and JSON string escaping.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "jwtgate/ops/access_log.h"

namespace jwtgate::ops {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendU00(unsigned char c, std::string* out) {
  const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
  out->append(esc, 6);
}

// Length of the valid UTF-8 sequence starting at in[i], or 0 if invalid
// (overlong forms, surrogates and code points over U+10FFFF are invalid).
size_t Utf8SequenceLength(std::string_view in, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(in[k]); };
  const unsigned char c = b(i);
  size_t len;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + len > in.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (b(i + k) < 0x80 || b(i + k) > 0xbf) return 0;
  }
  return len;
}

void AppendString(std::string_view value, std::string* out) {
  out->push_back('"');
  AppendJsonEscaped(value, out);
  out->push_back('"');
}

void AppendStringOrNull(std::string_view value, std::string* out) {
  if (value.empty()) {
    out->append("null");
  } else {
    AppendString(value, out);
  }
}

// "2026-08-20T10:11:12.345Z". The date-time part is formatted once per
// second per thread (each shard formats its own lines).
void AppendTimestamp(int64_t unix_ms, std::string* out) {
  if (unix_ms < 0) unix_ms = 0;
  thread_local int64_t cached_secs = -1;
  thread_local char cached[32];
  thread_local size_t cached_len = 0;
  const int64_t secs = unix_ms / 1000;
  if (secs != cached_secs) {
    const time_t t = static_cast<time_t>(secs);
    tm parts;
    gmtime_r(&t, &parts);
    cached_len = strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &parts);
    cached_secs = secs;
  }
  out->append(cached, cached_len);
  const int ms = static_cast<int>(unix_ms % 1000);
  const char frac[5] = {'.', static_cast<char>('0' + ms / 100),
                        static_cast<char>('0' + ms / 10 % 10),
                        static_cast<char>('0' + ms % 10), 'Z'};
  out->append(frac, 5);
}

void AppendClient(const sockaddr* client, std::string* out) {
  char buf[INET6_ADDRSTRLEN] = {0};
  const char* text = nullptr;
  if (client != nullptr && client->sa_family == AF_INET) {
    text = inet_ntop(AF_INET,
                     &reinterpret_cast<const sockaddr_in*>(client)->sin_addr,
                     buf, sizeof(buf));
  } else if (client != nullptr && client->sa_family == AF_INET6) {
    text = inet_ntop(AF_INET6,
                     &reinterpret_cast<const sockaddr_in6*>(client)->sin6_addr,
                     buf, sizeof(buf));
  }
  if (text == nullptr) {
    out->append("null");
  } else {
    AppendString(text, out);
  }
}

}  // namespace

void AppendJsonEscaped(std::string_view in, std::string* out) {
  size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      // Copy the run of plain characters in one append.
      size_t j = i + 1;
      while (j < in.size()) {
        const auto d = static_cast<unsigned char>(in[j]);
        if (d < 0x20 || d >= 0x7f || d == '"' || d == '\\') break;
        ++j;
      }
      out->append(in.data() + i, j - i);
      i = j;
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c >= 0x80) {
          const size_t len = Utf8SequenceLength(in, i);
          if (len > 0) {
            out->append(in.data() + i, len);
            i += len;
            continue;
          }
        }
        // Control character, DEL, or a byte that is not valid UTF-8 (taken
        // as Latin-1 so the line stays valid JSON).
        AppendU00(c, out);
    }
    ++i;
  }
}

void FormatAccessRecord(const AccessRecord& r, int shard, std::string* out) {
  out->append("{\"ts\":\"");
  AppendTimestamp(r.unix_ms, out);
  absl::StrAppend(out, "\",\"shard\":", shard, ",\"client\":");
  AppendClient(r.client, out);
  out->append(",\"method\":");
  AppendString(r.method, out);
  out->append(",\"path\":");
  // The query string can carry credentials: it is never logged.
  AppendString(r.path.substr(0, r.path.find('?')), out);
  out->append(",\"route\":");
  AppendStringOrNull(r.route, out);
  absl::StrAppend(out, ",\"status\":", r.status, ",\"bytes_in\":", r.bytes_in,
                  ",\"bytes_out\":", r.bytes_out, ",\"upstream\":");
  AppendStringOrNull(r.upstream, out);
  out->append(",\"upstream_ms\":");
  if (r.upstream_ms < 0) {
    out->append("null");
  } else {
    absl::StrAppend(out, r.upstream_ms);
  }
  absl::StrAppend(out, ",\"total_ms\":", r.total_ms, ",\"sub\":");
  AppendStringOrNull(r.sub, out);
  out->append(",\"auth\":");
  AppendString(r.auth_checked ? jwt::AuthResultName(r.auth_result) : "none",
               out);
  out->append("}\n");
}

}  // namespace jwtgate::ops
