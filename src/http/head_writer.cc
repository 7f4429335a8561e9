// Upstream request head and client response head.
#include "jwtgate/http/head_writer.h"

#include "absl/container/inlined_vector.h"

namespace jwtgate::http {
namespace {

using TokenList = absl::InlinedVector<std::string_view, 8>;

// Headers that frame the message or route it: never dropped because a
// Connection header lists them.
bool IsProtected(std::string_view name) {
  return EqualsIgnoreCase(name, "content-length") ||
         EqualsIgnoreCase(name, "transfer-encoding") ||
         EqualsIgnoreCase(name, "host");
}

void CollectConnectionTokens(const char* base,
                             const std::vector<HeaderField>& headers,
                             TokenList* tokens) {
  for (const HeaderField& h : headers) {
    if (!EqualsIgnoreCase(h.name.In(base), "connection")) continue;
    ForEachListElement(h.value.In(base), [&](std::string_view t) {
      tokens->push_back(t);
      return true;
    });
  }
}

bool ListedIn(const TokenList& tokens, std::string_view name) {
  for (std::string_view t : tokens) {
    if (EqualsIgnoreCase(t, name)) return true;
  }
  return false;
}

bool SafeValue(std::string_view v) {
  for (char c : v) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

void AppendHeader(std::string_view name, std::string_view value,
                  std::string* out) {
  out->append(name);
  out->append(": ");
  out->append(value);
  out->append("\r\n");
}

void AppendDecimal(unsigned v, std::string* out) {
  char buf[12];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) out->push_back(buf[--n]);
}

}  // namespace

bool IsHopByHopHeader(std::string_view name) {
  switch (name.size()) {
    case 2:
      return EqualsIgnoreCase(name, "te");
    case 7:
      return EqualsIgnoreCase(name, "trailer") ||
             EqualsIgnoreCase(name, "upgrade");
    case 10:
      return EqualsIgnoreCase(name, "connection") ||
             EqualsIgnoreCase(name, "keep-alive");
    case 16:
      return EqualsIgnoreCase(name, "proxy-connection");
    default:
      return false;
  }
}

bool WriteUpstreamHead(const char* base, const RequestHead& head,
                       const UpstreamHeadParams& params, std::string* out) {
  if (!SafeValue(params.client_ip) || !SafeValue(params.user_id)) return false;
  for (const ExtraHeader& e : params.claim_headers) {
    if (!SafeValue(e.value)) return false;
  }
  TokenList listed;
  CollectConnectionTokens(base, head.headers, &listed);

  out->append(head.method_text.In(base));
  out->push_back(' ');
  out->append(params.target);
  out->append(" HTTP/1.1\r\n");

  for (const HeaderField& h : head.headers) {
    const std::string_view name = h.name.In(base);
    const std::string_view value = h.value.In(base);
    if (IsHopByHopHeader(name)) {
      if (!(head.websocket_upgrade && EqualsIgnoreCase(name, "upgrade"))) {
        continue;
      }
    } else if (!IsProtected(name) && ListedIn(listed, name)) {
      continue;
    }
    if (params.reserved_headers != nullptr) {
      bool reserved = false;
      for (const std::string& r : *params.reserved_headers) {
        if (EqualsIgnoreCase(name, r)) {
          reserved = true;
          break;
        }
      }
      if (reserved) continue;
    }
    if (EqualsIgnoreCase(name, "x-forwarded-proto")) continue;
    if (params.strip_authorization && EqualsIgnoreCase(name, "authorization")) {
      continue;
    }
    if (EqualsIgnoreCase(name, "x-forwarded-for")) continue;  // below
    AppendHeader(name, value, out);
  }
  // Several X-Forwarded-For fields are one list: sent as one field, in
  // order, with the client address appended.
  out->append("X-Forwarded-For: ");
  for (const HeaderField& h : head.headers) {
    if (h.value.len == 0 ||
        !EqualsIgnoreCase(h.name.In(base), "x-forwarded-for")) {
      continue;
    }
    out->append(h.value.In(base));
    out->append(", ");
  }
  out->append(params.client_ip);
  out->append("\r\n");
  out->append("X-Forwarded-Proto: http\r\n");
  if (head.host_index < 0 && !params.default_host.empty()) {
    AppendHeader("Host", params.default_host, out);
  }
  if (head.websocket_upgrade) out->append("Connection: Upgrade\r\n");
  if (!params.user_id.empty()) {
    AppendHeader("X-Auth-UserId", params.user_id, out);
  }
  for (const ExtraHeader& e : params.claim_headers) {
    if (!e.value.empty()) AppendHeader(e.name, e.value, out);
  }
  out->append("\r\n");
  return true;
}

void WriteClientResponseHead(const char* base, const ResponseHead& head,
                             const ClientHeadParams& params, std::string* out) {
  TokenList listed;
  CollectConnectionTokens(base, head.headers, &listed);
  out->append("HTTP/1.1 ");
  AppendDecimal(head.status, out);
  out->push_back(' ');
  out->append(head.reason.In(base));
  out->append("\r\n");
  for (const HeaderField& h : head.headers) {
    const std::string_view name = h.name.In(base);
    if (IsHopByHopHeader(name)) {
      if (!(params.tunnel && EqualsIgnoreCase(name, "upgrade"))) continue;
    } else if (!IsProtected(name) && ListedIn(listed, name)) {
      continue;
    }
    if (params.dechunk && EqualsIgnoreCase(name, "transfer-encoding")) {
      continue;
    }
    AppendHeader(name, h.value.In(base), out);
  }
  if (params.tunnel) {
    out->append("Connection: Upgrade\r\n");
  } else if (params.close) {
    out->append("Connection: close\r\n");
  } else if (params.client_http10) {
    out->append("Connection: keep-alive\r\n");
  }
  out->append("\r\n");
}

}  // namespace jwtgate::http
