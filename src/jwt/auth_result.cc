// The one place where an AuthResult becomes an HTTP answer (SPEC §4) and a
// log/metric label.
#include "jwtgate/jwt/auth_result.h"

#include <array>

namespace jwtgate::jwt {
namespace {

struct Row {
  std::string_view name;
  AuthAnswer answer;
};

constexpr std::string_view kInvalid = "invalid_token";

// Indexed by AuthResult; the static_assert below keeps it in step.
constexpr std::array<Row, kAuthResultCount> kRows = {{
    {"ok", {200, "", ""}},
    {"no_token", {401, "", "no bearer token"}},
    {"multiple_tokens", {400, "invalid_request", "more than one token"}},
    {"token_too_large", {401, kInvalid, "token too large"}},
    {"malformed", {401, kInvalid, "malformed token"}},
    {"unsupported_alg", {401, kInvalid, "unsupported or disallowed alg"}},
    {"unknown_crit", {401, kInvalid, "unsupported critical header"}},
    {"no_key", {401, kInvalid, "no key for this token"}},
    {"bad_signature", {401, kInvalid, "signature verification failed"}},
    {"missing_exp", {401, kInvalid, "token has no exp"}},
    {"expired", {401, kInvalid, "token expired"}},
    {"not_yet_valid", {401, kInvalid, "token not yet valid"}},
    {"issued_in_future", {401, kInvalid, "token issued in the future"}},
    {"bad_time_claim", {401, kInvalid, "exp, nbf or iat is not a number"}},
    {"bad_issuer", {401, kInvalid, "issuer not accepted"}},
    {"bad_audience", {401, kInvalid, "audience not accepted"}},
    {"bad_claim_value", {401, kInvalid, "claim value cannot be forwarded"}},
    {"insufficient_scope",
     {403, "insufficient_scope", "token lacks a required claim"}},
}};
static_assert(static_cast<int>(AuthResult::kInsufficientScope) + 1 ==
              kAuthResultCount);

const Row& RowFor(AuthResult r) {
  const auto i = static_cast<size_t>(r);
  return kRows[i < kRows.size() ? i
                                : static_cast<size_t>(AuthResult::kMalformed)];
}

}  // namespace

AuthAnswer AnswerFor(AuthResult r) { return RowFor(r).answer; }

std::string_view AuthResultName(AuthResult r) { return RowFor(r).name; }

}  // namespace jwtgate::jwt
