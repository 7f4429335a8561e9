// [route NAME]: which requests it takes, where they go, what a token needs.
#include "absl/strings/ascii.h"
#include "config/sections.h"
#include "config/text.h"
#include "jwtgate/config/values.h"

namespace jwtgate::config {
namespace {

constexpr KeyRule kRouteRules[] = {
    {"path_prefix"},
    {"host"},
    {"upstream"},
    {"auth"},
    {"keys", true},
    {"issuer", true},
    {"audience", true},
    {"leeway"},
    {"require", true},
    {"claim_header", true},
    {"strip_authorization"},
    {"token_cookie"},
};

// Headers a claim may not be copied into: framing, hop-by-hop, and the
// ones the gateway itself sets.
constexpr std::string_view kForbiddenHeaders[] = {
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "proxy-connection",
    "x-forwarded-for",
    "x-forwarded-proto",
    "authorization",
    "cookie",
    "x-auth-userid",
};

// RFC 9110 token characters (header and cookie names).
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

void ReadHost(const SectionReader& in, RouteConfig* out) {
  const IniEntry* e = in.Get("host");
  if (e == nullptr) return;
  std::string host = ToLower(e->value);
  if (host.size() > 1 && host.back() == '.') host.pop_back();
  const bool v6 = host.front() == '[' && host.back() == ']';
  bool ok = host.size() <= 253;
  for (char c : host) {
    ok = ok &&
         (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
          c == '.' || c == '_' || (v6 && (c == ':' || c == '[' || c == ']')));
  }
  if (!ok) {
    in.Error(*e, Cat("'", e->value,
                     "' is not a host name (write it without "
                     "scheme or port; the Host port is ignored)"));
    return;
  }
  out->host = std::move(host);
}

void ReadClaimHeaders(const SectionReader& in, RouteConfig* out) {
  for (const IniEntry* e : in.GetAll("claim_header")) {
    std::string_view v = e->value;
    const size_t blank = v.find_last_of(" \t");
    if (blank == std::string_view::npos) {
      in.Error(*e, "expected CLAIM HEADER-NAME, e.g. email X-Auth-Email");
      continue;
    }
    std::string_view claim = StripTrailingWs(v.substr(0, blank));
    std::string_view header = v.substr(blank + 1);
    if (!IsToken(header)) {
      in.Error(*e, Cat("'", header, "' is not a header name"));
      continue;
    }
    const std::string lower = ToLower(header);
    bool forbidden = false;
    for (std::string_view f : kForbiddenHeaders)
      forbidden = forbidden || f == lower;
    if (forbidden) {
      in.Error(*e, Cat(header,
                       " cannot carry a claim (it is set by "
                       "the gateway or is hop-by-hop)"));
      continue;
    }
    bool duplicate = false;
    for (const jwt::ClaimHeader& h : out->claim_headers) {
      duplicate = duplicate || EqualsIgnoreCase(h.header, header);
    }
    if (duplicate) {
      in.Error(*e, Cat(header, " is already used in ", in.title()));
      continue;
    }
    absl::StatusOr<jwt::ClaimPath> path = jwt::ClaimPath::Parse(claim);
    if (!path.ok()) {
      in.Error(*e, path.status());
      continue;
    }
    out->claim_headers.push_back({*std::move(path), std::string(header)});
  }
}

void ReadPolicy(const SectionReader& in, RouteConfig* out) {
  for (const IniEntry* e : in.GetAll("keys")) {
    absl::StatusOr<std::vector<std::string>> names = SplitList(e->value);
    if (!names.ok()) {
      in.Error(*e, names.status());
      continue;
    }
    if (!out->keys) out->keys.emplace();
    for (std::string& n : *names) out->keys->push_back({std::move(n), e->line});
  }
  for (const IniEntry* e : in.GetAll("issuer"))
    out->issuers.push_back(e->value);
  for (const IniEntry* e : in.GetAll("audience")) {
    out->audiences.push_back(e->value);
  }
  if (const IniEntry* e = in.Get("leeway")) {
    absl::StatusOr<int64_t> ms = ParseDurationMs(e->value);
    if (!ms.ok()) {
      in.Error(*e, ms.status());
    } else if (*ms % 1000 != 0 || *ms > int64_t{24} * 3600 * 1000) {
      in.Error(*e, Cat("'", e->value, "' must be whole seconds, at most 24h"));
    } else {
      out->leeway_seconds = *ms / 1000;
    }
  }
  for (const IniEntry* e : in.GetAll("require")) {
    absl::StatusOr<jwt::ClaimRulePtr> rule = jwt::ClaimRule::Parse(e->value);
    if (!rule.ok()) {
      in.Error(*e, rule.status());
    } else {
      out->rules.push_back(*std::move(rule));
    }
  }
  ReadClaimHeaders(in, out);
}

}  // namespace

absl::Span<const KeyRule> RouteKeyRules() { return kRouteRules; }

void ReadRouteSection(const SectionReader& in, RouteConfig* out) {
  out->name = in.section().name;
  out->line = in.section().line;
  if (out->name.empty()) in.SectionError("needs a name: [route NAME]");

  if (const IniEntry* e = in.Get("path_prefix")) {
    if (e->value.front() != '/') {
      in.Error(*e, Cat("'", e->value, "' must start with '/'"));
    } else {
      out->path_prefix = e->value;
      out->path_prefix_line = e->line;
    }
  } else {
    in.SectionError("needs path_prefix (e.g. / or /api/)");
  }
  ReadHost(in, out);
  if (const IniEntry* e = in.Get("upstream")) {
    out->upstream = {e->value, e->line};
  } else {
    in.SectionError("needs upstream = NAME of an [upstream NAME] section");
  }
  if (const IniEntry* e = in.Get("auth")) {
    if (e->value == "required") {
      out->auth_required = true;
    } else if (e->value == "off") {
      out->auth_required = false;
    } else {
      in.Error(*e, Cat("expected required or off, got '", e->value, "'"));
    }
  }
  ReadPolicy(in, out);
  if (const IniEntry* e = in.Get("strip_authorization")) {
    absl::StatusOr<bool> b = ParseBool(e->value);
    if (!b.ok()) {
      in.Error(*e, b.status());
    } else {
      out->strip_authorization = *b;
    }
  }
  if (const IniEntry* e = in.Get("token_cookie")) {
    if (!IsToken(e->value)) {
      in.Error(*e, Cat("'", e->value, "' is not a cookie name"));
    } else {
      out->token_cookie = e->value;
    }
  }
}

}  // namespace jwtgate::config
