// [key NAME] with jwks_url or oidc_issuer: the remote source's URL, refresh
// timing and CA file (SPEC §2). The keys themselves are fetched by the
// gateway's JWKS fetcher; here only the settings are checked.
#include <algorithm>

#include "config/sections.h"
#include "config/text.h"
#include "jwtgate/config/values.h"
#include "jwtgate/jwks/https_url.h"

namespace jwtgate::config {
namespace {

// Bounds of jwks_refresh and jwks_min_refetch. The floor keeps a flood of
// unknown kids from becoming a flood of fetches at the IdP; the ceiling
// keeps a rotated key from waiting more than a week.
constexpr int64_t kMinIntervalMs = 100;
constexpr int64_t kMaxIntervalMs = 7LL * 24 * 3600 * 1000;

constexpr std::string_view kRemoteOnly[] = {"jwks_refresh", "jwks_min_refetch",
                                            "ca_file"};

// Parses a refresh interval; false (reported) when unusable.
bool ReadInterval(const SectionReader& in, const IniEntry& e, int64_t* out_ms) {
  absl::StatusOr<int64_t> ms = ParseDurationMs(e.value);
  if (!ms.ok()) {
    in.Error(e, ms.status());
    return false;
  }
  if (*ms < kMinIntervalMs || *ms > kMaxIntervalMs) {
    in.Error(e, Cat("'", e.value, "' is out of range 100ms-7d"));
    return false;
  }
  *out_ms = *ms;
  return true;
}

}  // namespace

void CheckNoRemoteSettings(const SectionReader& in,
                           std::string_view source_key) {
  for (std::string_view key : kRemoteOnly) {
    if (const IniEntry* e = in.Get(key)) {
      in.Error(*e, Cat("applies only to jwks_url and oidc_issuer, not to ",
                       source_key));
    }
  }
}

void ReadRemoteKey(const SectionReader& in, const IniEntry& source,
                   std::string_view base_dir, KeyConfig* out) {
  RemoteKeyConfig remote;
  const bool is_issuer = source.key == "oidc_issuer";
  absl::StatusOr<jwks::HttpsUrl> url = jwks::ParseHttpsUrl(source.value);
  if (!url.ok()) {
    in.Error(source, url.status());
  } else if (is_issuer &&
             source.value.find_first_of("?#") != std::string::npos) {
    in.Error(source,
             "an issuer URL has no query or fragment (OpenID Connect "
             "Discovery §2)");
  }
  (is_issuer ? remote.oidc_issuer : remote.jwks_url) = source.value;

  const IniEntry* refresh = in.Get("jwks_refresh");
  const IniEntry* min_refetch = in.Get("jwks_min_refetch");
  bool timing_ok = true;
  if (refresh != nullptr) {
    timing_ok = ReadInterval(in, *refresh, &remote.refresh_ms) && timing_ok;
  }
  if (min_refetch != nullptr) {
    timing_ok =
        ReadInterval(in, *min_refetch, &remote.min_refetch_ms) && timing_ok;
  } else {
    // The default 30s, but never longer than the refresh itself.
    remote.min_refetch_ms = std::min(remote.min_refetch_ms, remote.refresh_ms);
  }
  if (timing_ok && min_refetch != nullptr &&
      remote.min_refetch_ms > remote.refresh_ms) {
    in.Error(*min_refetch,
             Cat("'", min_refetch->value, "' is longer than jwks_refresh (",
                 refresh != nullptr ? refresh->value : std::string("10m"),
                 "); an early refetch cannot wait longer than the regular "
                 "one"));
  }
  if (const IniEntry* ca = in.Get("ca_file")) {
    remote.ca_file = ResolvePath(base_dir, ca->value);
    remote.ca_file_line = ca->line;
  }
  out->remote = std::move(remote);
}

}  // namespace jwtgate::config
