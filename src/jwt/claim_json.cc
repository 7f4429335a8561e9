// Claim lookup and rendering over simdjson on-demand documents.
#include "jwt/claim_json.h"

namespace jwtgate::jwt {
namespace {

bool FindField(ondemand::object& obj, std::string_view name,
               ondemand::value* out) {
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    if (key == name) return field.value().get(*out) == simdjson::SUCCESS;
  }
  return false;
}

std::string_view TrimTrailingSpace(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' ||
                        s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

bool FindClaim(ondemand::document& doc, const ClaimPath& path,
               ondemand::value* out) {
  if (path.segments.empty()) return false;
  doc.rewind();
  ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return false;
  for (size_t i = 0; i < path.segments.size(); ++i) {
    ondemand::value v;
    if (!FindField(obj, path.segments[i], &v)) return false;
    if (i + 1 == path.segments.size()) {
      *out = v;
      return true;
    }
    if (v.get_object().get(obj) != simdjson::SUCCESS) return false;
  }
  return false;
}

ScalarKind ScalarText(ondemand::value& v, std::string_view* text) {
  ondemand::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return ScalarKind::kNone;
  switch (type) {
    case ondemand::json_type::string:
      return v.get_string().get(*text) == simdjson::SUCCESS
                 ? ScalarKind::kString
                 : ScalarKind::kNone;
    case ondemand::json_type::number: {
      // Validate it as a number, then use the JSON text as written.
      std::string_view raw = TrimTrailingSpace(v.raw_json_token());
      double unused;
      if (v.get_double().get(unused) != simdjson::SUCCESS) {
        return ScalarKind::kNone;
      }
      *text = raw;
      return ScalarKind::kNumber;
    }
    case ondemand::json_type::boolean: {
      bool b;
      if (v.get_bool().get(b) != simdjson::SUCCESS) return ScalarKind::kNone;
      *text = b ? "true" : "false";
      return ScalarKind::kBool;
    }
    default:
      return ScalarKind::kNone;
  }
}

bool HasControlChar(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

bool AppendHeaderValue(ondemand::value& v, std::string* out) {
  ondemand::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return false;
  if (type == ondemand::json_type::array) {
    ondemand::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) return false;
    bool first = true;
    for (auto element : arr) {
      std::string_view s;
      if (element.get_string().get(s) != simdjson::SUCCESS ||
          HasControlChar(s)) {
        return false;
      }
      if (!first) out->push_back(',');
      out->append(s);
      first = false;
    }
    return true;
  }
  std::string_view text;
  if (ScalarText(v, &text) == ScalarKind::kNone || HasControlChar(text)) {
    return false;
  }
  out->append(text);
  return true;
}

}  // namespace jwtgate::jwt
