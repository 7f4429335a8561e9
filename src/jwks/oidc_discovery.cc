// OIDC discovery: issuer → jwks_uri.
#include "jwtgate/jwks/oidc_discovery.h"

#include <simdjson.h>

#include "jwks/text.h"
#include "jwtgate/jwks/https_url.h"

namespace jwtgate::jwks {

std::string DiscoveryUrl(std::string_view issuer) {
  if (!issuer.empty() && issuer.back() == '/') issuer.remove_suffix(1);
  return Cat(issuer, "/.well-known/openid-configuration");
}

absl::StatusOr<std::string> JwksUriFromDiscovery(std::string_view issuer,
                                                 std::string_view document) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(document.data(), document.size()).get(doc)) {
    return absl::InvalidArgumentError(
        Cat("OIDC discovery document is not valid JSON (",
            simdjson::error_message(err), ")"));
  }
  std::string_view doc_issuer;
  if (doc["issuer"].get_string().get(doc_issuer) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        "OIDC discovery document has no \"issuer\" string");
  }
  if (doc_issuer != issuer) {
    return absl::InvalidArgumentError(
        Cat("OIDC discovery document names issuer \"", doc_issuer,
            "\", not the configured oidc_issuer \"", issuer,
            "\" (they must be identical, trailing '/' included)"));
  }
  std::string_view jwks_uri;
  if (doc["jwks_uri"].get_string().get(jwks_uri) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        "OIDC discovery document has no \"jwks_uri\" string");
  }
  auto url = ParseHttpsUrl(jwks_uri);
  if (!url.ok()) {
    return absl::InvalidArgumentError(
        Cat("OIDC discovery document: jwks_uri: ", url.status().message()));
  }
  return std::string(jwks_uri);
}

absl::StatusOr<std::string> DiscoverJwksUri(const HttpsClient& client,
                                            std::string_view issuer,
                                            int cancel_fd) {
  auto response = client.Get(DiscoveryUrl(issuer), cancel_fd);
  if (!response.ok()) return response.status();
  return JwksUriFromDiscovery(issuer, response->body);
}

}  // namespace jwtgate::jwks
