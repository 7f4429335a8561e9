// Value syntaxes: durations, sizes, integers, booleans, comma lists.
#include "jwtgate/config/values.h"

#include <limits>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "config/text.h"

namespace jwtgate::config {
namespace {

constexpr int64_t kMaxDurationMs = int64_t{365} * 24 * 3600 * 1000;

// Reads leading decimal digits of `*s` into `*value` (false if none or if
// it overflows `limit`).
bool TakeNumber(std::string_view* s, uint64_t limit, uint64_t* value) {
  size_t i = 0;
  uint64_t v = 0;
  while (i < s->size() &&
         absl::ascii_isdigit(static_cast<unsigned char>((*s)[i]))) {
    v = v * 10 + static_cast<uint64_t>((*s)[i] - '0');
    if (v > limit) return false;
    ++i;
  }
  if (i == 0) return false;
  s->remove_prefix(i);
  *value = v;
  return true;
}

absl::Status BadDuration(std::string_view text) {
  return absl::InvalidArgumentError(
      Cat("expected a duration like 250ms, 10s, 5m or 1h, got '", text, "'"));
}

}  // namespace

absl::StatusOr<int64_t> ParseDurationMs(std::string_view text) {
  std::string_view s = text;
  if (s == "0") return 0;
  if (s.empty()) return BadDuration(text);
  int64_t total = 0;
  while (!s.empty()) {
    uint64_t n = 0;
    if (!TakeNumber(&s, kMaxDurationMs, &n)) return BadDuration(text);
    int64_t unit_ms = 0;
    if (s.starts_with("ms")) {
      unit_ms = 1;
      s.remove_prefix(2);
    } else if (!s.empty() &&
               (s[0] == 's' || s[0] == 'm' || s[0] == 'h' || s[0] == 'd')) {
      unit_ms = s[0] == 's'   ? 1000
                : s[0] == 'm' ? 60'000
                : s[0] == 'h' ? 3'600'000
                              : 86'400'000;
      s.remove_prefix(1);
    } else {
      return BadDuration(text);
    }
    if (static_cast<int64_t>(n) > (kMaxDurationMs - total) / unit_ms) {
      return absl::InvalidArgumentError(
          Cat("duration '", text, "' is too long (max 365d)"));
    }
    total += static_cast<int64_t>(n) * unit_ms;
  }
  return total;
}

absl::StatusOr<uint64_t> ParseSize(std::string_view text) {
  std::string_view s = text;
  uint64_t n = 0;
  constexpr uint64_t kLimit = uint64_t{1} << 50;
  if (!TakeNumber(&s, kLimit, &n) || s.size() > 1) {
    return absl::InvalidArgumentError(
        Cat("expected a size like 512, 16k or 1m, got '", text, "'"));
  }
  uint64_t mult = 1;
  if (!s.empty()) {
    switch (absl::ascii_tolower(static_cast<unsigned char>(s[0]))) {
      case 'k':
        mult = uint64_t{1} << 10;
        break;
      case 'm':
        mult = uint64_t{1} << 20;
        break;
      case 'g':
        mult = uint64_t{1} << 30;
        break;
      default:
        return absl::InvalidArgumentError(
            Cat("expected a size like 512, 16k or 1m, got '", text, "'"));
    }
  }
  if (n > kLimit / mult) {
    return absl::InvalidArgumentError(Cat("size '", text, "' is too large"));
  }
  return n * mult;
}

absl::StatusOr<int64_t> ParseInt(std::string_view text, int64_t min,
                                 int64_t max) {
  int64_t v = 0;
  if (text.empty() || text.find_first_of(" \t+") != std::string_view::npos ||
      !absl::SimpleAtoi(ToAbsl(text), &v)) {
    return absl::InvalidArgumentError(
        Cat("expected a whole number, got '", text, "'"));
  }
  if (v < min || v > max) {
    return absl::InvalidArgumentError(
        Cat("'", text, "' is out of range ", min, "-", max));
  }
  return v;
}

absl::StatusOr<bool> ParseBool(std::string_view text) {
  if (text == "true" || text == "on" || text == "yes") return true;
  if (text == "false" || text == "off" || text == "no") return false;
  return absl::InvalidArgumentError(
      Cat("expected true or false, got '", text, "'"));
}

absl::StatusOr<std::vector<std::string>> SplitList(std::string_view text) {
  std::vector<std::string> items;
  for (absl::string_view piece : absl::StrSplit(ToAbsl(text), ',')) {
    std::string_view item = StripWs(ToStd(piece));
    if (item.empty()) {
      return absl::InvalidArgumentError(Cat("empty item in list '", text, "'"));
    }
    items.emplace_back(item);
  }
  return items;
}

}  // namespace jwtgate::config
