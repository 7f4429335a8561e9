// Claim path syntax shared by require rules and claim headers.
#include "jwt/claim_path.h"

#include "absl/strings/str_cat.h"
#include "jwt/strings.h"

namespace jwtgate::jwt {
namespace {

bool EndsBareSegment(char c) {
  return IsAsciiSpace(c) || c == '.' || c == '"' || c == '=' || c == '!' ||
         c == '~' || c == ',';
}

}  // namespace

bool ParseQuoted(std::string_view text, std::string* out,
                 std::string_view* rest) {
  if (text.empty() || text[0] != '"') return false;
  out->clear();
  for (size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      *rest = text.substr(i + 1);
      return true;
    }
    if (c == '\\') {
      if (i + 1 >= text.size()) return false;
      const char next = text[++i];
      if (next != '"' && next != '\\') return false;
      out->push_back(next);
    } else {
      out->push_back(c);
    }
  }
  return false;  // no closing quote
}

absl::Status ParseClaimPathPrefix(std::string_view text, ClaimPath* path,
                                  std::string_view* rest) {
  path->segments.clear();
  for (;;) {
    std::string segment;
    if (!text.empty() && text[0] == '"') {
      if (!ParseQuoted(text, &segment, &text)) {
        return absl::InvalidArgumentError(
            "unterminated or badly escaped quoted claim name");
      }
      if (segment.empty()) {
        return absl::InvalidArgumentError("empty quoted claim name");
      }
    } else {
      size_t n = 0;
      while (n < text.size() && !EndsBareSegment(text[n])) ++n;
      if (n == 0) {
        return absl::InvalidArgumentError(
            text.empty() ? "missing claim name"
                         : absl::StrCat("expected a claim name at \"",
                                        ToAbsl(text.substr(0, 16)), "\""));
      }
      segment.assign(text.substr(0, n));
      text.remove_prefix(n);
    }
    path->segments.push_back(std::move(segment));
    if (text.empty() || text[0] != '.') break;
    text.remove_prefix(1);  // '.', another segment must follow
  }
  *rest = text;
  return absl::OkStatus();
}

std::string ClaimPathToString(const ClaimPath& path) {
  std::string out;
  for (size_t i = 0; i < path.segments.size(); ++i) {
    if (i > 0) out.push_back('.');
    const std::string& s = path.segments[i];
    bool bare = !s.empty();
    for (char c : s) bare = bare && !EndsBareSegment(c);
    if (bare) {
      out += s;
    } else {
      out.push_back('"');
      for (char c : s) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
      }
      out.push_back('"');
    }
  }
  return out;
}

absl::StatusOr<ClaimPath> ClaimPath::Parse(std::string_view text) {
  ClaimPath path;
  std::string_view rest;
  text = Trim(text);
  absl::Status s = ParseClaimPathPrefix(text, &path, &rest);
  if (!s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad claim \"", ToAbsl(text), "\": ", s.message()));
  }
  if (!rest.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad claim \"", ToAbsl(text), "\": unexpected \"",
                     ToAbsl(rest), "\" after the name"));
  }
  return path;
}

}  // namespace jwtgate::jwt
