// `require` rules: parsing (config time) and evaluation (request time).
#include "jwt/claim_rule.h"

#include "absl/strings/str_cat.h"
#include "jwt/claim_path.h"
#include "jwt/strings.h"

namespace jwtgate::jwt {
namespace {

using Op = ClaimRuleImpl::Op;

// A single VALUE: the trimmed rest, unquoted when it is one quoted string.
absl::StatusOr<std::string> ParseValue(std::string_view rest) {
  rest = Trim(rest);
  if (rest.empty()) return absl::InvalidArgumentError("missing value");
  if (rest[0] != '"') return std::string(rest);
  std::string out;
  std::string_view after;
  if (!ParseQuoted(rest, &out, &after) || !Trim(after).empty()) {
    return absl::InvalidArgumentError("bad quoted value");
  }
  return out;
}

// `A, B, "C,D"`: comma-separated values, each trimmed, optionally quoted.
absl::StatusOr<std::vector<std::string>> ParseList(std::string_view rest) {
  std::vector<std::string> out;
  rest = TrimLeft(rest);
  if (rest.empty()) return absl::InvalidArgumentError("missing value list");
  for (;;) {
    rest = TrimLeft(rest);
    std::string item;
    if (!rest.empty() && rest[0] == '"') {
      if (!ParseQuoted(rest, &item, &rest)) {
        return absl::InvalidArgumentError("bad quoted value in list");
      }
      rest = TrimLeft(rest);
    } else {
      const size_t comma = rest.find(',');
      item.assign(TrimRight(rest.substr(0, comma)));
      rest = comma == std::string_view::npos ? std::string_view()
                                             : rest.substr(comma);
    }
    if (item.empty()) return absl::InvalidArgumentError("empty list value");
    out.push_back(std::move(item));
    if (rest.empty()) return out;
    if (rest[0] != ',') {
      return absl::InvalidArgumentError("expected ',' between list values");
    }
    rest.remove_prefix(1);
  }
}

// Reads the operator at the start of `rest` (leading space already gone).
bool ParseOp(std::string_view* rest, Op* op) {
  std::string_view r = *rest;
  size_t len = 0;
  if (r.substr(0, 2) == "!=") {
    *op = Op::kNe, len = 2;
  } else if (!r.empty() && r[0] == '=') {
    *op = Op::kEq, len = 1;
  } else if (!r.empty() && r[0] == '~') {
    *op = Op::kRegex, len = 1;
  } else {
    while (len < r.size() && ((r[len] | 0x20) >= 'a' && (r[len] | 0x20) <= 'z'))
      ++len;
    const std::string_view word = r.substr(0, len);
    if (word == "exists") {
      *op = Op::kExists;
    } else if (word == "in") {
      *op = Op::kIn;
    } else if (word == "contains") {
      *op = Op::kContains;
    } else {
      return false;
    }
    if (len < r.size() && !IsAsciiSpace(r[len])) return false;  // "inx"
  }
  rest->remove_prefix(len);
  return true;
}

}  // namespace

ClaimRuleImpl::ClaimRuleImpl(std::string text, ClaimPath path, Op op,
                             std::vector<std::string> values,
                             std::unique_ptr<RE2> regex)
    : text_(std::move(text)),
      path_(std::move(path)),
      op_(op),
      values_(std::move(values)),
      regex_(std::move(regex)) {}

absl::StatusOr<std::shared_ptr<const ClaimRule>> ClaimRule::Parse(
    std::string_view text) {
  const std::string_view t = Trim(text);
  auto fail = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad require rule \"", ToAbsl(t), "\": ", ToAbsl(why)));
  };
  if (t.empty()) return fail("empty rule");
  ClaimPath path;
  std::string_view rest;
  if (absl::Status s = ParseClaimPathPrefix(t, &path, &rest); !s.ok()) {
    return fail(ToStd(s.message()));
  }
  rest = TrimLeft(rest);
  Op op;
  if (!ParseOp(&rest, &op)) {
    return fail("expected an operator: exists, =, !=, in, contains or ~");
  }
  std::vector<std::string> values;
  std::unique_ptr<RE2> regex;
  switch (op) {
    case Op::kExists:
      if (!Trim(rest).empty()) {
        return fail("nothing may follow \"exists\"");
      }
      break;
    case Op::kEq:
    case Op::kNe:
    case Op::kContains: {
      auto value = ParseValue(rest);
      if (!value.ok()) return fail(ToStd(value.status().message()));
      values.push_back(*std::move(value));
      break;
    }
    case Op::kIn: {
      auto list = ParseList(rest);
      if (!list.ok()) return fail(ToStd(list.status().message()));
      values = *std::move(list);
      break;
    }
    case Op::kRegex: {
      const std::string_view pattern = Trim(rest);
      if (pattern.empty()) return fail("missing regular expression");
      RE2::Options options;
      options.set_log_errors(false);
      regex = std::make_unique<RE2>(
          re2::StringPiece(pattern.data(), pattern.size()), options);
      if (!regex->ok()) return fail(regex->error());
      break;
    }
  }
  return std::shared_ptr<const ClaimRule>(
      std::make_shared<ClaimRuleImpl>(std::string(t), std::move(path), op,
                                      std::move(values), std::move(regex)));
}

bool ClaimRuleImpl::MatchesAny(std::string_view text) const {
  if (op_ == Op::kRegex) {
    return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()),
                             *regex_);
  }
  for (const std::string& v : values_) {
    if (v == text) return true;
  }
  return false;
}

bool ClaimRuleImpl::Equals(ondemand::value& v) const {
  std::string_view text;
  return ScalarText(v, &text) != ScalarKind::kNone && MatchesAny(text);
}

bool ClaimRuleImpl::Holds(bool found, ondemand::value& v) const {
  switch (op_) {
    case Op::kExists: {
      bool is_null = false;
      return found && v.is_null().get(is_null) == simdjson::SUCCESS && !is_null;
    }
    case Op::kEq:
    case Op::kIn:
      return found && Equals(v);
    case Op::kNe:
      return !(found && Equals(v));
    case Op::kContains:
    case Op::kRegex: {
      if (!found) return false;
      ondemand::json_type type;
      if (v.type().get(type) != simdjson::SUCCESS) return false;
      if (type == ondemand::json_type::array) {
        ondemand::array arr;
        if (v.get_array().get(arr) != simdjson::SUCCESS) return false;
        for (auto element : arr) {
          ondemand::value e;
          if (element.get(e) != simdjson::SUCCESS) return false;
          std::string_view text;
          const ScalarKind kind = ScalarText(e, &text);
          if (kind == ScalarKind::kNone) continue;
          if (op_ == Op::kRegex && kind != ScalarKind::kString) continue;
          if (MatchesAny(text)) return true;
        }
        return false;
      }
      std::string_view text;
      if (ScalarText(v, &text) == ScalarKind::kNone) return false;
      if (op_ == Op::kRegex) return MatchesAny(text);
      // contains on a scalar: one of its space-separated words.
      const std::string& want = values_[0];
      size_t i = 0;
      while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') ++i;
        size_t j = i;
        while (j < text.size() && text[j] != ' ') ++j;
        if (j > i && text.substr(i, j - i) == want) return true;
        i = j;
      }
      return false;
    }
  }
  return false;
}

}  // namespace jwtgate::jwt
