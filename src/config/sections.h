// Readers of the four section types. Each checks the keys of one section
// (through a SectionReader), fills its typed struct with defaults for what
// is absent, and reports problems to the reader's Diagnostics. References
// between sections are checked later, by the loader.
#ifndef JWTGATE_SRC_CONFIG_SECTIONS_H_
#define JWTGATE_SRC_CONFIG_SECTIONS_H_

#include <string>
#include <string_view>

#include "absl/types/span.h"
#include "config/section_reader.h"
#include "jwtgate/config/config.h"

namespace jwtgate::config {

absl::Span<const KeyRule> GatewayKeyRules();
absl::Span<const KeyRule> KeyKeyRules();
absl::Span<const KeyRule> UpstreamKeyRules();
absl::Span<const KeyRule> RouteKeyRules();

void ReadGatewaySection(const SectionReader& in, GatewaySettings* out);
// `base_dir` resolves relative file paths.
void ReadKeySection(const SectionReader& in, std::string_view base_dir,
                    KeyConfig* out);
void ReadUpstreamSection(const SectionReader& in, UpstreamConfig* out);

// Parts of ReadKeySection (remote_key_section.cc): the jwks_url /
// oidc_issuer source `source` and its settings, into out->remote; and the
// error for those settings on a key whose source (`source_key`) is local.
void ReadRemoteKey(const SectionReader& in, const IniEntry& source,
                   std::string_view base_dir, KeyConfig* out);
void CheckNoRemoteSettings(const SectionReader& in,
                           std::string_view source_key);
// `path` relative to `base_dir` unless absolute.
std::string ResolvePath(std::string_view base_dir, std::string_view path);
void ReadRouteSection(const SectionReader& in, RouteConfig* out);

}  // namespace jwtgate::config

#endif  // JWTGATE_SRC_CONFIG_SECTIONS_H_
