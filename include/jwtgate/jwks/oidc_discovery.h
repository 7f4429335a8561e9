// File: jwtgate/jwks/oidc_discovery.h
//
// OpenID Connect Discovery 1.0 (§4): from an issuer URL to the URL of its
// JWKS. The document is `GET {issuer}/.well-known/openid-configuration`; its
// `issuer` must be identical to the configured one (§4.3) and its `jwks_uri`
// must be https. Stateless functions.
#ifndef JWTGATE_JWKS_OIDC_DISCOVERY_H_
#define JWTGATE_JWKS_OIDC_DISCOVERY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "jwtgate/jwks/https_client.h"

namespace jwtgate::jwks {

// "{issuer without a trailing '/'}/.well-known/openid-configuration".
std::string DiscoveryUrl(std::string_view issuer);

// Reads `jwks_uri` from a discovery document fetched for `issuer`.
// InvalidArgument when the JSON is malformed, `issuer` differs, or
// `jwks_uri` is missing or not an https URL.
absl::StatusOr<std::string> JwksUriFromDiscovery(std::string_view issuer,
                                                 std::string_view document);

// Fetches the discovery document of `issuer` with `client` and returns its
// jwks_uri. `cancel_fd` as for HttpsClient::Get.
absl::StatusOr<std::string> DiscoverJwksUri(const HttpsClient& client,
                                            std::string_view issuer,
                                            int cancel_fd = -1);

}  // namespace jwtgate::jwks

#endif  // JWTGATE_JWKS_OIDC_DISCOVERY_H_
