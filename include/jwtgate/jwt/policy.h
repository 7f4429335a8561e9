// File: jwtgate/jwt/policy.h
//
// What a route demands of a token, compiled once from config: candidate
// keys, issuers, audiences, leeway, require rules, claim headers. Immutable;
// owned by the route Snapshot and shared read-only by all shards.
#ifndef JWTGATE_JWT_POLICY_H_
#define JWTGATE_JWT_POLICY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "jwtgate/jwt/key.h"

namespace jwtgate::jwt {

// One `require` rule of SPEC §2, parsed and (for `~`) compiled once.
// Implemented in src/jwt/claim_rule.cc.
class ClaimRule {
 public:
  // Parses "scope contains read:messages", "\"https://x/roles\" in a,b",
  // "org.id = 42", "email ~ @example\\.com$", "sub exists", "a != b".
  // Errors are InvalidArgument with a message fit for `FILE:LINE: message`
  // (RE2's own message for a bad regex).
  static absl::StatusOr<std::shared_ptr<const ClaimRule>> Parse(
      std::string_view text);
  virtual ~ClaimRule() = default;
  // The source text, for messages.
  virtual std::string_view text() const = 0;

 private:
  // Parse is the only way to make a rule: the Verifier relies on every rule
  // being its one implementation (src/jwt/claim_rule.h).
  ClaimRule() = default;
  friend class ClaimRuleImpl;
};
using ClaimRulePtr = std::shared_ptr<const ClaimRule>;

// A claim path as written in config: quoted literal name or dotted path.
// Parsed with the same syntax as a rule's CLAIM. Implemented with ClaimRule.
struct ClaimPath {
  std::vector<std::string> segments;
  static absl::StatusOr<ClaimPath> Parse(std::string_view text);
};

struct ClaimHeader {
  ClaimPath claim;
  std::string header;  // header name as configured, e.g. "X-Auth-Email"
};

struct Policy {
  uint32_t id = 0;                  // unique within a Snapshot (route index)
  std::vector<KeyPtr> keys;         // candidate keys (route's `keys`)
  std::vector<std::string> issuers;    // empty: iss not checked
  std::vector<std::string> audiences;  // empty: aud not checked
  int64_t leeway_seconds = 0;
  std::vector<ClaimRulePtr> rules;
  std::vector<ClaimHeader> claim_headers;
};

}  // namespace jwtgate::jwt

#endif  // JWTGATE_JWT_POLICY_H_
