// Bearer token from Authorization or a cookie.
#include "jwtgate/http/token_extractor.h"

namespace jwtgate::http {
namespace {

// "Bearer <token>" → token (empty when the scheme is another one or the
// token is empty).
std::string_view BearerToken(std::string_view value) {
  constexpr std::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size() ||
      !EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return {};
  }
  std::string_view rest = value.substr(kScheme.size());
  if (rest.front() != ' ') return {};  // "Bearerx" is another scheme
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return TrimOws(rest);
}

// Merges one more found token into `out`; false on a conflict.
bool Merge(std::string_view token, std::string_view* out) {
  if (token.empty()) return true;
  if (out->empty()) {
    *out = token;
    return true;
  }
  return *out == token;
}

// Scans a Cookie header value ("a=1; b=2") for `name`.
bool CookieTokens(std::string_view cookies, std::string_view name,
                  std::string_view* out) {
  while (!cookies.empty()) {
    size_t semi = cookies.find(';');
    std::string_view pair = TrimOws(cookies.substr(0, semi));
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && TrimOws(pair.substr(0, eq)) == name) {
      std::string_view value = TrimOws(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      if (!Merge(value, out)) return false;
    }
    if (semi == std::string_view::npos) break;
    cookies.remove_prefix(semi + 1);
  }
  return true;
}

}  // namespace

TokenSearch ExtractToken(const char* base, const RequestHead& head,
                         std::string_view cookie_name) {
  TokenSearch result;
  std::string_view from_header;
  std::string_view from_cookie;
  for (const HeaderField& h : head.headers) {
    const std::string_view name = h.name.In(base);
    if (EqualsIgnoreCase(name, "authorization")) {
      if (!Merge(BearerToken(h.value.In(base)), &from_header)) {
        result.status = TokenSearch::Status::kConflict;
        return result;
      }
    } else if (!cookie_name.empty() && EqualsIgnoreCase(name, "cookie")) {
      if (!CookieTokens(h.value.In(base), cookie_name, &from_cookie)) {
        result.status = TokenSearch::Status::kConflict;
        return result;
      }
    }
  }
  std::string_view token = from_header;
  if (!Merge(from_cookie, &token)) {
    result.status = TokenSearch::Status::kConflict;
    return result;
  }
  if (!token.empty()) {
    result.status = TokenSearch::Status::kFound;
    result.token = token;
  }
  return result;
}

}  // namespace jwtgate::http
