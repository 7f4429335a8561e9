// File: jwtgate/config/values.h
//
// Value syntaxes of SPEC §2, shared by the config loader and the command
// line (`mint --ttl`). Errors are InvalidArgument with a message that can
// follow `FILE:LINE: key: `; it quotes the offending text, so never pass a
// secret here.
#ifndef JWTGATE_CONFIG_VALUES_H_
#define JWTGATE_CONFIG_VALUES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace jwtgate::config {

// Durations: a number with a unit `ms`, `s`, `m`, `h` or `d`; parts may be
// chained (`1m30s`); a bare `0` is zero. Returns milliseconds.
absl::StatusOr<int64_t> ParseDurationMs(std::string_view text);

// Sizes: bytes, or a number with `k`, `m` or `g` (either case; powers of
// 1024): `512`, `16k`, `1m`.
absl::StatusOr<uint64_t> ParseSize(std::string_view text);

// Decimal integer in [min, max].
absl::StatusOr<int64_t> ParseInt(std::string_view text, int64_t min,
                                 int64_t max);

// `true`/`false` (also `on`/`off`, `yes`/`no`).
absl::StatusOr<bool> ParseBool(std::string_view text);

// Comma-separated list, items trimmed. Empty items are an error.
absl::StatusOr<std::vector<std::string>> SplitList(std::string_view text);

}  // namespace jwtgate::config

#endif  // JWTGATE_CONFIG_VALUES_H_
