// Fuzz target: JWS parse + verify (jwt::Verifier) with fixed keys, and the
// per-shard token cache.
//
// Input: byte 0 = control (mode, policy, time, key, cache clearing); rest:
//   mode 0/1 "tokens": up to 4 tokens separated by '\n', verified as given
//            (seeds: tokens signed with the committed ES256/RS256 keys and
//            the HS256 secret);
//   mode 2 "sign": HEADER_JSON '\n' PAYLOAD_JSON, signed here with HS256 or
//            the per-process ES256 key, then verified;
//   mode 3 "tamper": as "sign", then '\n' and 3-byte edits (LE16 position,
//            byte; byte 0 deletes) applied to the signed token.
// Invariants (FUZZ_CHECK):
//   1. a token that verifies is justified by an independent oracle: signed
//      by a key of the policy with the header's alg and matching kid;
//   2. its payload is a valid JSON object (a separate, validating DOM
//      parse), within its time claims (exp required), and matches the
//      policy's iss/aud;
//   3. a verifier with a token cache answers exactly as one without (result,
//      sub, claim values) for every policy and time, also after the keys
//      were replaced by equal keys with new ids;
//   4. a verified token (<= 4 KiB) is a cache hit when presented again;
//   5. a tampered token verifies only if it is the signed token itself
//      (HS256), or has the same signing input (ES256 signatures are
//      malleable: (r, n - s) is valid too).
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "jwtgate/jwt/key.h"
#include "jwtgate/jwt/mint.h"
#include "jwtgate/jwt/policy.h"
#include "jwtgate/jwt/verifier.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_keys.h"
#include "tests/fuzz/signature_oracle.h"
#include "tests/testing/test_keys.h"

namespace jwtgate::fuzz {
namespace {

using jwt::Alg;
using jwt::AuthResult;

template <typename T>
T OrDie(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) CheckFailed(__FILE__, __LINE__, "setup", what);
  return *std::move(v);
}

// A policy and the oracle that knows the same keys.
struct Case {
  jwt::Policy policy;
  SignatureOracle oracle;
};

struct Fixture {
  Case cases[3];
  std::string es_private_pem;  // per-process ES256 key (kid fuzz-runtime)
  std::string hs_secret;
  jwt::Verifier uncached{0};

  Fixture() {
    hs_secret = HsSecret();
    const std::string es_pem = ReadKeyFile(kEs256PublicFile);
    const std::string rs_pem = ReadKeyFile(kRs256PublicFile);
    const testing::TestKeyPair& runtime = testing::EcP256();
    es_private_pem = runtime.private_pem;

    // Adds every fixed key to `c` (fresh Key objects, hence fresh ids).
    auto add_all = [&](Case& c, bool with_kidless) {
      if (with_kidless) {
        c.policy.keys.push_back(
            OrDie(jwt::MakeHmacKey("hs", Alg::kHS256, hs_secret), "hmac key"));
        c.oracle.AddHs256("", hs_secret);
        c.policy.keys.push_back(
            OrDie(jwt::MakePemPublicKey("es", Alg::kES256, es_pem), "es key"));
        c.oracle.AddPublic(Alg::kES256, "", es_pem);
      }
      c.policy.keys.push_back(
          OrDie(jwt::MakeHmacKey("hs-kid", Alg::kHS256, hs_secret,
                                 std::string(kKidHs)),
                "hmac kid key"));
      c.oracle.AddHs256(std::string(kKidHs), hs_secret);
      c.policy.keys.push_back(
          OrDie(jwt::MakePemPublicKey("es-kid", Alg::kES256, es_pem,
                                      std::string(kKidEs256)),
                "es kid key"));
      c.oracle.AddPublic(Alg::kES256, std::string(kKidEs256), es_pem);
      c.policy.keys.push_back(
          OrDie(jwt::MakePemPublicKey("rs-kid", Alg::kRS256, rs_pem,
                                      std::string(kKidRs256)),
                "rs kid key"));
      c.oracle.AddPublic(Alg::kRS256, std::string(kKidRs256), rs_pem);
      c.policy.keys.push_back(OrDie(
          jwt::MakePemPublicKey("runtime", Alg::kES256, runtime.public_pem,
                                std::string(kKidRuntime)),
          "runtime key"));
      c.oracle.AddPublic(Alg::kES256, std::string(kKidRuntime),
                         runtime.public_pem);
    };

    // 0: every key, no claim demands.
    add_all(cases[0], true);
    cases[0].policy.id = 0;

    // 1: iss, aud, leeway, require rules and claim headers.
    add_all(cases[1], true);
    jwt::Policy& strict = cases[1].policy;
    strict.id = 1;
    strict.issuers = {std::string(kIssuer)};
    strict.audiences = {std::string(kAudience), "urn:fuzz:other"};
    strict.leeway_seconds = 30;
    for (const char* rule :
         {"scope contains read:messages", "org.id = 42",
          "email ~ @example\\.com$", "sub exists", "tier != free",
          "\"https://example.com/roles\" in admin,user"}) {
      strict.rules.push_back(OrDie(jwt::ClaimRule::Parse(rule), rule));
    }
    const std::pair<const char*, const char*> headers[] = {
        {"email", "X-Auth-Email"},
        {"\"https://example.com/groups\"", "X-Groups"},
        {"org.name", "X-Org"}};
    for (const auto& [claim, header] : headers) {
      strict.claim_headers.push_back(
          {OrDie(jwt::ClaimPath::Parse(claim), claim), header});
    }

    // 2: kid keys only, re-made (new ids): a token cached under policy 0
    // or 1 is no hit here and is verified afresh.
    add_all(cases[2], false);
    jwt::Policy& replaced = cases[2].policy;
    replaced.id = 2;
    replaced.issuers = {std::string(kIssuer), "https://other.example/"};
    replaced.leeway_seconds = 5;
    replaced.claim_headers.push_back(
        {OrDie(jwt::ClaimPath::Parse("email"), "email"), "X-Auth-Email"});
  }
};

Fixture& TheFixture() {
  static Fixture* fixture = new Fixture();
  return *fixture;
}

struct Seen {
  AuthResult result;
  bool hit;
  std::string sub;
  std::vector<std::string> claims;
};

Seen Run(jwt::Verifier& v, std::string_view token, const jwt::Policy& policy,
         int64_t now) {
  const jwt::VerifyOutcome o = v.Verify(token, policy, now);
  Seen s{o.result, o.cache_hit, std::string(o.sub), {}};
  if (o.result == AuthResult::kOk) {
    FUZZ_CHECK(o.claim_values.size() == policy.claim_headers.size(),
               "one claim value per claim header");
    for (std::string_view c : o.claim_values) s.claims.emplace_back(c);
  }
  return s;
}

void Compare(const Seen& uncached, const Seen& cached) {
  FUZZ_CHECK(uncached.result == cached.result,
             "the token cache changed the verdict");
  if (uncached.result != AuthResult::kOk) return;
  FUZZ_CHECK(uncached.sub == cached.sub, "the token cache changed sub");
  FUZZ_CHECK(uncached.claims == cached.claims,
             "the token cache changed claim header values");
}

bool InList(std::string_view v, const std::vector<std::string>& list) {
  for (const std::string& s : list) {
    if (s == v) return true;
  }
  return false;
}

// Invariant 2, judged from simdjson's DOM (not the verifier's on-demand
// parse). A payload the DOM parser refuses (e.g. bad UTF-8 in a claim the
// verifier never reads) is not judged.
void CheckClaims(std::string_view token, const jwt::Policy& policy,
                 int64_t now) {
  const size_t dot1 = token.find('.');
  const size_t dot2 = token.find('.', dot1 + 1);
  auto payload = DecodeBase64Url(token.substr(dot1 + 1, dot2 - dot1 - 1));
  FUZZ_CHECK(payload.has_value(), "verified payload is not base64url");
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  FUZZ_CHECK(parser.parse(*payload).get_object().get(obj) == simdjson::SUCCESS,
             "verified a payload that is not a valid JSON object");
  const double leeway = static_cast<double>(policy.leeway_seconds);
  const double t = static_cast<double>(now);
  double exp = 0;
  FUZZ_CHECK(obj["exp"].get_double().get(exp) == simdjson::SUCCESS,
             "verified token without a numeric exp");
  FUZZ_CHECK(t < exp + leeway, "verified an expired token");
  double v = 0;
  simdjson::dom::element el;
  if (obj["nbf"].get(el) == simdjson::SUCCESS) {
    FUZZ_CHECK(el.get_double().get(v) == simdjson::SUCCESS, "nbf not number");
    FUZZ_CHECK(v <= t + leeway, "verified a token before its nbf");
  }
  if (obj["iat"].get(el) == simdjson::SUCCESS) {
    FUZZ_CHECK(el.get_double().get(v) == simdjson::SUCCESS, "iat not number");
    FUZZ_CHECK(v <= t + leeway, "verified a token issued in the future");
  }
  if (!policy.issuers.empty()) {
    std::string_view iss;
    FUZZ_CHECK(obj["iss"].get_string().get(iss) == simdjson::SUCCESS &&
                   InList(iss, policy.issuers),
               "verified a token from another issuer");
  }
  if (!policy.audiences.empty()) {
    bool found = false;
    std::string_view aud;
    simdjson::dom::array arr;
    if (obj["aud"].get_string().get(aud) == simdjson::SUCCESS) {
      found = InList(aud, policy.audiences);
    } else if (obj["aud"].get_array().get(arr) == simdjson::SUCCESS) {
      for (simdjson::dom::element a : arr) {
        if (a.get_string().get(aud) == simdjson::SUCCESS &&
            InList(aud, policy.audiences)) {
          found = true;
        }
      }
    }
    FUZZ_CHECK(found, "verified a token for another audience");
  }
}

// JWTGATE_FUZZ_VERBOSE=1: print each verdict (never the token), to see
// which seeds reach which checks.
bool Verbose() {
  static const bool verbose = std::getenv("JWTGATE_FUZZ_VERBOSE") != nullptr;
  return verbose;
}

// Invariants 1-4 for one token under one policy.
void VerifyEverywhere(jwt::Verifier& cached, std::string_view token,
                      const Case& c, int64_t now) {
  Fixture& f = TheFixture();
  for (int64_t t : {now, now + 100'000}) {
    const Seen u = Run(f.uncached, token, c.policy, t);
    if (Verbose()) {
      std::fprintf(stderr, "policy %u t=%+lld: %s\n", c.policy.id,
                   static_cast<long long>(t - kFixedNow),
                   std::string(jwt::AuthResultName(u.result)).c_str());
    }
    FUZZ_CHECK(!u.hit, "a cache hit without a cache");
    if (u.result == AuthResult::kOk) {
      FUZZ_CHECK(c.oracle.Justifies(token),
                 "verified a token no policy key signed");
      CheckClaims(token, c.policy, t);
    }
    Compare(u, Run(cached, token, c.policy, t));
    const Seen again = Run(cached, token, c.policy, t);
    Compare(u, again);
    if (u.result == AuthResult::kOk && token.size() <= 4096) {
      FUZZ_CHECK(again.hit, "a verified token was not cached");
    }
  }
}

std::vector<std::string_view> SplitLines(std::string_view s, size_t max) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < max) {
    const size_t nl = s.find('\n');
    if (nl == std::string_view::npos) break;
    out.push_back(s.substr(0, nl));
    s.remove_prefix(nl + 1);
  }
  out.push_back(s);
  return out;
}

// Applies 3-byte edits to `token`.
std::string Tamper(std::string token, std::string_view edits) {
  for (size_t i = 0; i + 3 <= edits.size() && i < 24; i += 3) {
    const size_t pos =
        (static_cast<uint8_t>(edits[i]) |
         static_cast<size_t>(static_cast<uint8_t>(edits[i + 1])) << 8) %
        (token.size() + 1);
    const char byte = edits[i + 2];
    if (byte == 0) {
      if (pos < token.size()) token.erase(pos, 1);
    } else if (pos < token.size()) {
      token[pos] = byte;
    } else {
      token.push_back(byte);
    }
  }
  return token;
}

}  // namespace
}  // namespace jwtgate::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  jwtgate::fuzz::TheFixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace jwtgate::fuzz;
  using jwtgate::jwt::Alg;
  using jwtgate::jwt::AuthResult;
  if (size < 1 || size > 3 * jwtgate::jwt::kMaxTokenBytes) return -1;
  Fixture& f = TheFixture();
  const uint8_t ctl = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data + 1),
                              size - 1);
  const int mode = ctl & 3;
  const int first = (ctl >> 2) % 3;
  static constexpr int64_t kTimes[] = {
      kFixedNow, kFixedNow + 1800, kFixedNow + kSeedTtl + 10, kFixedNow - 600};
  const int64_t now = kTimes[(ctl >> 4) & 3];
  const bool es256 = (ctl & 0x40) != 0;
  const bool clear_between = (ctl & 0x80) != 0;

  // A small cache, so that eviction and replacement are exercised too.
  jwtgate::jwt::Verifier cached(2);
  std::vector<std::string> tokens;
  std::string signed_token;
  if (mode < 2) {
    for (std::string_view t : SplitLines(rest, 4)) tokens.emplace_back(t);
  } else {
    const std::vector<std::string_view> parts = SplitLines(rest, 3);
    if (parts.size() < 2) return 0;
    auto token =
        jwtgate::jwt::SignRaw(es256 ? Alg::kES256 : Alg::kHS256, parts[0],
                              parts[1], es256 ? f.es_private_pem : f.hs_secret);
    FUZZ_CHECK(token.ok(), "signing failed");
    signed_token = *token;
    tokens.push_back(signed_token);
    if (mode == 3 && parts.size() == 3) {
      tokens.push_back(Tamper(signed_token, parts[2]));
    }
  }

  for (const std::string& token : tokens) {
    for (int i = 0; i < 2; ++i) {
      VerifyEverywhere(cached, token, f.cases[(first + i) % 3], now);
    }
    if (clear_between) cached.ClearCache();
  }

  // Invariant 5: the tampered token (the second one) verifies only when the
  // edits were no change at all.
  if (mode == 3 && tokens.size() == 2 && tokens[1] != signed_token) {
    const std::string& t = tokens[1];
    for (const Case& c : f.cases) {
      if (f.uncached.Verify(t, c.policy, now).result != AuthResult::kOk) {
        continue;
      }
      FUZZ_CHECK(es256, "an altered HS256 token verified");
      const size_t in_len = signed_token.rfind('.');
      FUZZ_CHECK(t.size() > in_len &&
                     t.compare(0, in_len + 1, signed_token, 0, in_len + 1) == 0,
                 "an ES256 token with an altered header or payload verified");
    }
  }
  return 0;
}
