// SPEC §4 path normalisation in one pass over the target, writing into the
// caller's string (no allocation once its capacity covers the target).
//
// Choices where the SPEC is silent (also in the README):
// - Empty segments are merged, as nginx does by default (`merge_slashes
//   on`): `//a//b` -> `/a/b`. Routing then sees the same path the upstream
//   would resolve, so `//admin/` cannot slip past a `/admin/` route.
// - Only `%2E`/`%2e` is decoded; every other escape is validated (two hex
//   digits) and kept byte-for-byte. `%2F`/`%5C` (either case) and `%00` are
//   rejected because their meaning differs between servers.
// - A raw `\` is an ordinary byte (Linux servers treat it as one).
// - A trailing `.` or `..` segment leaves a trailing slash (`/a/b/..` ->
//   `/a/`), as RFC 3986 §5.2.4 does.
// - The query (from the first `?`) is copied verbatim; only a raw NUL in it
//   is refused.
#include "jwtgate/http/path_normalizer.h"

#include <cstring>

namespace jwtgate::http {
namespace {

// Hex digit value, or -1.
inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

PathVerdict NormalizeTarget(std::string_view target, std::string* out) {
  out->clear();
  if (target.empty() || target.front() != '/') {
    return PathVerdict::kNotOriginForm;
  }
  const size_t qpos = target.find('?');
  const std::string_view path = target.substr(0, qpos);
  const std::string_view query =
      qpos == std::string_view::npos ? std::string_view() : target.substr(qpos);
  if (!query.empty() && std::memchr(query.data(), '\0', query.size())) {
    return PathVerdict::kNul;
  }

  // The output is never longer than the input (plus "/" for an empty
  // result, which the input's leading '/' already pays for).
  out->resize(target.size() + 1);
  char* const base = out->data();
  // `len` is the committed output: "" (root) or "/seg/seg" (no trailing /).
  size_t len = 0;
  bool trailing_slash = false;

  const char* p = path.data();
  const char* const end = p + path.size();
  while (p < end) {
    // *p == '/': one segment runs to the next '/' or the end.
    ++p;
    const size_t seg_start = len;
    char* w = base + len;
    *w++ = '/';
    size_t dots = 0;  // number of '.' bytes in the decoded segment
    size_t seg_len = 0;
    while (p < end && *p != '/') {
      char c = *p;
      if (c == '%') {
        if (end - p < 3) return PathVerdict::kBadEscape;
        const int hi = HexValue(p[1]);
        const int lo = HexValue(p[2]);
        if (hi < 0 || lo < 0) return PathVerdict::kBadEscape;
        const int value = hi * 16 + lo;
        if (value == 0) return PathVerdict::kNul;
        if (value == '/' || value == '\\') return PathVerdict::kEncodedSlash;
        if (value == '.') {
          *w++ = '.';
          ++dots;
          ++seg_len;
          p += 3;
          continue;
        }
        w[0] = '%';
        w[1] = p[1];
        w[2] = p[2];
        w += 3;
        seg_len += 3;
        p += 3;
        continue;
      }
      if (c == '\0') return PathVerdict::kNul;
      if (c == '.') ++dots;
      *w++ = c;
      ++seg_len;
      ++p;
    }
    const bool last = p >= end;
    if (seg_len == 0 || (seg_len == 1 && dots == 1)) {
      // Empty or "." segment: dropped (a last one leaves a trailing '/').
      len = seg_start;
      trailing_slash = last;
    } else if (seg_len == 2 && dots == 2) {
      // "..": drop it and the segment before it.
      if (seg_start == 0) return PathVerdict::kAboveRoot;
      size_t cut = seg_start - 1;
      while (base[cut] != '/') --cut;
      len = cut;
      trailing_slash = last;
    } else {
      len = seg_start + 1 + seg_len;
      trailing_slash = false;
    }
  }
  if (len == 0 || trailing_slash) base[len++] = '/';
  out->resize(len);
  out->append(query);
  return PathVerdict::kOk;
}

}  // namespace jwtgate::http
