// Text helpers of the config reader (and Cat/ToAbsl from
// common/absl_text.h). Not for the request path.
#ifndef JWTGATE_SRC_CONFIG_TEXT_H_
#define JWTGATE_SRC_CONFIG_TEXT_H_

#include <string>
#include <string_view>

#include "common/absl_text.h"

namespace jwtgate::config {

// Whitespace here is ASCII space, tab, CR, LF, VT, FF.
std::string_view StripWs(std::string_view s);
std::string_view StripLeadingWs(std::string_view s);
std::string_view StripTrailingWs(std::string_view s);
std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace jwtgate::config

#endif  // JWTGATE_SRC_CONFIG_TEXT_H_
