// SPEC §3 and the 401/403 rows of §4: what happens to requests without a
// token, with a bad one, or with one that fails a route's require rule.
// Tokens are minted at test time with the fixture's random secrets.
#include <functional>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwtgate/common/base64url.h"
#include "tests/integration/integration_util.h"
#include "tests/testing/test_keys.h"

namespace jwtgate::testing {
namespace {

constexpr char kBareChallenge[] = "Bearer realm=\"jwtgate\"";

// Payload JSON of a token valid for /api/, with `changes` applied: a value
// replaces (or adds) a member as raw JSON, an empty value removes it.
std::string Payload(const std::map<std::string, std::string>& changes = {}) {
  const int64_t now = GatewayFixture::Now();
  std::map<std::string, std::string> m = {
      {"sub", "\"user-1\""},
      {"iss", absl::StrCat("\"", kItIssuer, "\"")},
      {"aud", absl::StrCat("\"", kItAudience, "\"")},
      {"iat", absl::StrCat(now)},
      {"exp", absl::StrCat(now + 3600)},
  };
  for (const auto& [k, v] : changes) {
    if (v.empty()) {
      m.erase(k);
    } else {
      m[k] = v;
    }
  }
  std::string out = "{";
  for (const auto& [k, v] : m) {
    if (out.size() > 1) out += ",";
    absl::StrAppend(&out, "\"", k, "\":", v);
  }
  return out + "}";
}

constexpr char kHs256Header[] = R"({"alg":"HS256","typ":"JWT"})";

struct BadTokenCase {
  const char* name;
  // Builds the token; gets the fixture for its secrets and signing helpers.
  std::function<std::string(const class BadTokenTest&)> make;
};

class BadTokenTest : public GatewayFixture,
                     public ::testing::WithParamInterface<BadTokenCase> {
 public:
  using GatewayFixture::Mint;
  using GatewayFixture::secret;
  using GatewayFixture::secret2;
  using GatewayFixture::SignRaw;
  using GatewayFixture::ValidClaims;
  using GatewayFixture::ValidToken;

  std::string Hs256(std::string_view payload) const {
    return SignRaw(jwt::Alg::kHS256, kHs256Header, payload, secret());
  }
};

// Segment `i` of a compact JWS replaced by `with`.
std::string ReplaceSegment(const std::string& token, int i,
                           const std::string& with) {
  size_t a = token.find('.');
  size_t b = token.find('.', a + 1);
  std::string parts[3] = {token.substr(0, a), token.substr(a + 1, b - a - 1),
                          token.substr(b + 1)};
  parts[i] = with;
  return absl::StrCat(parts[0], ".", parts[1], ".", parts[2]);
}

const BadTokenCase kBadTokens[] = {
    {"format_two_segments",
     [](const BadTokenTest& t) {
       std::string v = t.ValidToken();
       return v.substr(0, v.rfind('.'));
     }},
    {"format_four_segments",
     [](const BadTokenTest& t) { return t.ValidToken() + ".e30"; }},
    {"format_bad_base64",
     [](const BadTokenTest& t) {
       std::string v = t.ValidToken();
       return v.insert(v.find('.') + 1, "+");
     }},
    {"format_padding",
     [](const BadTokenTest& t) { return t.ValidToken() + "="; }},
    {"format_payload_not_json",
     [](const BadTokenTest& t) { return t.Hs256("not json"); }},
    {"format_header_not_json",
     [](const BadTokenTest& t) {
       return t.SignRaw(jwt::Alg::kHS256, "{alg:HS256}", Payload(), t.secret());
     }},
    {"signature_wrong_secret",
     [](const BadTokenTest& t) {
       jwt::MintOptions o = t.ValidClaims();
       o.secret = std::string(64, 'w');
       return t.Mint(o);
     }},
    {"signature_tampered_payload",
     [](const BadTokenTest& t) {
       return ReplaceSegment(t.ValidToken(), 1,
                             Base64UrlEncode(Payload({{"sub", "\"admin\""}})));
     }},
    {"signature_truncated",
     [](const BadTokenTest& t) {
       std::string v = t.ValidToken();
       return v.substr(0, v.size() - 2);
     }},
    {"signature_empty",
     [](const BadTokenTest& t) {
       std::string v = t.ValidToken();
       return v.substr(0, v.rfind('.') + 1);
     }},
    {"alg_none",
     [](const BadTokenTest&) {
       return absl::StrCat(Base64UrlEncode(R"({"alg":"none","typ":"JWT"})"),
                           ".", Base64UrlEncode(Payload()), ".");
     }},
    {"alg_not_the_keys",
     [](const BadTokenTest& t) {
       jwt::MintOptions o = t.ValidClaims();
       o.alg = jwt::Alg::kHS512;
       return t.Mint(o);
     }},
    {"alg_confusion_rs256_header_hmac_signature",
     [](const BadTokenTest& t) {
       return t.SignRaw(jwt::Alg::kHS256, R"({"alg":"RS256","typ":"JWT"})",
                        Payload(), t.secret());
     }},
    {"kid_unknown",
     [](const BadTokenTest& t) {
       return t.SignRaw(jwt::Alg::kHS256, R"({"alg":"HS256","kid":"nope"})",
                        Payload(), t.secret());
     }},
    {"kid_known_but_other_keys_secret",
     [](const BadTokenTest& t) {
       return t.SignRaw(jwt::Alg::kHS256, R"({"alg":"HS256","kid":"k1"})",
                        Payload(), t.secret());
     }},
    {"no_kid_signed_with_kid_keys_secret",
     [](const BadTokenTest& t) {
       return t.SignRaw(jwt::Alg::kHS256, kHs256Header, Payload(), t.secret2());
     }},
    {"exp_passed",
     [](const BadTokenTest& t) {
       return t.Hs256(
           Payload({{"exp", absl::StrCat(GatewayFixture::Now() - 600)},
                    {"iat", absl::StrCat(GatewayFixture::Now() - 4000)}}));
     }},
    {"exp_missing",
     [](const BadTokenTest& t) {
       return t.Hs256(Payload({{"exp", ""}}));
     }},
    {"exp_not_a_number",
     [](const BadTokenTest& t) {
       return t.Hs256(Payload(
           {{"exp", absl::StrCat("\"", GatewayFixture::Now() + 3600, "\"")}}));
     }},
    {"nbf_in_future",
     [](const BadTokenTest& t) {
       return t.Hs256(
           Payload({{"nbf", absl::StrCat(GatewayFixture::Now() + 600)}}));
     }},
    {"iat_in_future",
     [](const BadTokenTest& t) {
       return t.Hs256(
           Payload({{"iat", absl::StrCat(GatewayFixture::Now() + 600)}}));
     }},
    {"iss_wrong",
     [](const BadTokenTest& t) {
       return t.Hs256(Payload({{"iss", "\"https://evil.example/\""}}));
     }},
    {"iss_missing",
     [](const BadTokenTest& t) {
       return t.Hs256(Payload({{"iss", ""}}));
     }},
    {"aud_wrong",
     [](const BadTokenTest& t) {
       return t.Hs256(Payload({{"aud", "\"api://someone-else\""}}));
     }},
    {"aud_array_without_ours",
     [](const BadTokenTest& t) {
       return t.Hs256(Payload({{"aud", R"(["a","b"])"}}));
     }},
    {"aud_missing",
     [](const BadTokenTest& t) {
       return t.Hs256(Payload({{"aud", ""}}));
     }},
    {"crit_unknown",
     [](const BadTokenTest& t) {
       return t.SignRaw(jwt::Alg::kHS256,
                        R"({"alg":"HS256","crit":["x-unknown"],"x-unknown":1})",
                        Payload(), t.secret());
     }},
    {"over_8_kib",
     [](const BadTokenTest& t) {
       return t.Hs256(Payload(
           {{"pad", absl::StrCat("\"", std::string(9000, 'a'), "\"")}}));
     }},
};

TEST_P(BadTokenTest, Is401InvalidTokenAndNeverReachesUpstream) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  const std::string token = GetParam().make(*this);
  ASSERT_FALSE(token.empty());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, GetWithToken("/api/echo", token));
  EXPECT_TRUE(IsGatewayAnswer(r, 401));
  std::string challenge = r.Header("www-authenticate").value_or("");
  EXPECT_TRUE(challenge.starts_with("Bearer realm=\"jwtgate\", ")) << challenge;
  EXPECT_NE(challenge.find("error=\"invalid_token\""), std::string::npos)
      << challenge;
  EXPECT_NE(challenge.find("error_description=\""), std::string::npos)
      << challenge;
  EXPECT_EQ(challenge.find("error_description=\"\""), std::string::npos)
      << "empty error_description: " << challenge;
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

INSTANTIATE_TEST_SUITE_P(Cases, BadTokenTest, ::testing::ValuesIn(kBadTokens),
                         [](const ::testing::TestParamInfo<BadTokenCase>& p) {
                           return std::string(p.param.name);
                         });

using AuthTest = GatewayFixture;

TEST_F(AuthTest, NoTokenIs401WithBareBearerChallenge) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpResponse r, Get("/api/echo"));
  EXPECT_TRUE(IsGatewayAnswer(r, 401));
  EXPECT_EQ(r.Header("www-authenticate").value_or("(none)"), kBareChallenge);
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

TEST_F(AuthTest, NonBearerAuthorizationCountsAsNoToken) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(
      HttpResponse r,
      Get("/api/echo", {{"Authorization", "Basic dXNlcjpwYXNzd29yZA=="}}));
  EXPECT_TRUE(IsGatewayAnswer(r, 401));
  EXPECT_EQ(r.Header("www-authenticate").value_or("(none)"), kBareChallenge);
}

TEST_F(AuthTest, ValidTokenReachesUpstreamWithAuthorizationKept) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  const std::string token = ValidToken();
  ASSERT_OK_AND_ASSIGN(HttpResponse r, GetWithToken("/api/echo", token));
  ASSERT_OK_AND_ASSIGN(EchoedRequest e, ParseEcho(r));
  EXPECT_EQ(e.target, "/api/echo");
  EXPECT_EQ(e.HeaderValues("authorization"),
            std::vector<std::string>{"Bearer " + token});
  EXPECT_EQ(e.HeaderValues("x-auth-userid"),
            std::vector<std::string>{kItSubject});
}

TEST_F(AuthTest, SameTokenTwiceIsServedFromCacheAndStillValid) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  const std::string token = ValidToken();
  ASSERT_OK_AND_ASSIGN(HttpClient c, Connect());
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(
        HttpResponse r,
        c.RoundTrip(BuildRequest("GET", "/api/echo",
                                 {{"Authorization", "Bearer " + token}})));
    EXPECT_EQ(r.status, 200) << "request " << i;
  }
}

TEST_F(AuthTest, AudienceArrayHoldingOursIsAccepted) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  jwt::MintOptions o = ValidClaims();
  o.aud = {"api://other", kItAudience};
  ASSERT_OK_AND_ASSIGN(HttpResponse r, GetWithToken("/api/echo", Mint(o)));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(AuthTest, KidSelectsTheKeyWithThatKid) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  jwt::MintOptions o = ValidClaims();
  o.secret = secret2();
  o.kid = "k1";
  ASSERT_OK_AND_ASSIGN(HttpResponse r, GetWithToken("/api/echo", Mint(o)));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(AuthTest, RequireRuleFailureIs403InsufficientScope) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  jwt::MintOptions o = ValidClaims();
  o.claims_json = {{"scope", "\"openid write:messages\""}};
  ASSERT_OK_AND_ASSIGN(HttpResponse r, GetWithToken("/scoped/echo", Mint(o)));
  EXPECT_TRUE(IsGatewayAnswer(r, 403));
  std::string challenge = r.Header("www-authenticate").value_or("");
  EXPECT_TRUE(challenge.starts_with("Bearer realm=\"jwtgate\"")) << challenge;
  EXPECT_NE(challenge.find("error=\"insufficient_scope\""), std::string::npos)
      << challenge;
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

TEST_F(AuthTest, RequireRuleSatisfiedPasses) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_OK_AND_ASSIGN(HttpResponse r,
                       GetWithToken("/scoped/echo", ValidToken()));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(AuthTest, Es256TokenVerifiedWithPublicKeyFile) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  jwt::MintOptions o = ValidClaims();
  o.alg = jwt::Alg::kES256;
  o.secret.clear();
  o.private_key_pem = EcP256().private_pem;
  ASSERT_OK_AND_ASSIGN(HttpResponse r, GetWithToken("/ec/echo", Mint(o)));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(AuthTest, PublicKeyUsedAsHmacSecretIsRejected) {
  // The classic algorithm-confusion attack: HS256 "signed" with the
  // verifier's public key text.
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  std::string token =
      SignRaw(jwt::Alg::kHS256, kHs256Header, Payload(), EcP256().public_pem);
  ASSERT_OK_AND_ASSIGN(HttpResponse r, GetWithToken("/ec/echo", token));
  EXPECT_TRUE(IsGatewayAnswer(r, 401));
  EXPECT_EQ(QueryUpstream().requests, 0u);
}

TEST_F(AuthTest, LogsNeverContainTokensOrSecrets) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  const std::string good = ValidToken();
  jwt::MintOptions o = ValidClaims();
  o.secret = std::string(64, 'x');
  const std::string bad = Mint(o);
  ASSERT_OK_AND_ASSIGN(HttpResponse r, GetWithToken("/api/echo", good));
  EXPECT_EQ(r.status, 200);
  ASSERT_OK_AND_ASSIGN(r, GetWithToken("/api/echo", bad));
  EXPECT_EQ(r.status, 401);
  ASSERT_OK_AND_ASSIGN(
      r, Get("/cookie/echo", {{"Cookie", "access_token=" + bad}}));
  EXPECT_EQ(r.status, 401);
  int status = StopGateway();
  EXPECT_EQ(DescribeWaitStatus(status), "exit 0");
  const std::string log = GatewayLog();
  EXPECT_FALSE(log.empty()) << "expected at least the access log";
  // The signature part alone is enough to identify a token.
  for (const std::string& t : {good, bad}) {
    EXPECT_EQ(log.find(t.substr(t.rfind('.') + 1)), std::string::npos)
        << "a token signature appears in the log";
  }
  EXPECT_EQ(log.find(secret()), std::string::npos);
  EXPECT_EQ(log.find(secret2()), std::string::npos);
}

}  // namespace
}  // namespace jwtgate::testing
