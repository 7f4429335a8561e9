// File: src/jwt/claim_rule.h
//
// The one implementation of jwt::ClaimRule: a parsed `require` rule (SPEC
// §2) with its regex compiled once. Immutable and shared by every shard;
// Holds() is const and thread-safe (RE2 matching is).
#ifndef JWTGATE_SRC_JWT_CLAIM_RULE_H_
#define JWTGATE_SRC_JWT_CLAIM_RULE_H_

#include <re2/re2.h>

#include <memory>
#include <string>
#include <vector>

#include "jwt/claim_json.h"
#include "jwtgate/jwt/policy.h"

namespace jwtgate::jwt {

class ClaimRuleImpl final : public ClaimRule {
 public:
  enum class Op { kExists, kEq, kNe, kIn, kContains, kRegex };

  ClaimRuleImpl(std::string text, ClaimPath path, Op op,
                std::vector<std::string> values, std::unique_ptr<RE2> regex);

  std::string_view text() const override { return text_; }
  const ClaimPath& path() const { return path_; }
  Op op() const { return op_; }

  // Whether the rule holds for the claim at path(): `found` false when the
  // claim is absent (then `v` is unused). Semantics:
  //   exists    present and not null
  //   = VALUE   string equal to VALUE, or number/boolean whose JSON text is
  //   != VALUE  the negation of =
  //   in A,B    = one of the listed values
  //   contains  array holding an element = VALUE, or a string with VALUE
  //             as one of its space-separated words (OAuth `scope`)
  //   ~ REGEX   RE2 partial match of the scalar text, or of any string
  //             element of an array
  bool Holds(bool found, ondemand::value& v) const;

 private:
  bool Equals(ondemand::value& v) const;
  bool MatchesAny(std::string_view text) const;

  std::string text_;
  ClaimPath path_;
  Op op_;
  std::vector<std::string> values_;  // one for =, !=, contains; n for in
  std::unique_ptr<RE2> regex_;
};

}  // namespace jwtgate::jwt

#endif  // JWTGATE_SRC_JWT_CLAIM_RULE_H_
