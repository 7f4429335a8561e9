// Fuzz target: JWKS parse (jwt::ParseJwks) and use of the keys it yields.
//
// Input: a JWKS document. Invariants (FUZZ_CHECK):
//   1. success means at least one key, each named as asked, supporting at
//      least one algorithm and never an HMAC one (a JWKS gives public keys;
//      "oct" keys and HS* algs are skipped), and only one family of algs;
//   2. parsing is deterministic (same keys, kids and algs twice);
//   3. a key that names its "alg" supports exactly that alg;
//   4. an all-zero RSA/ECDSA signature never verifies, and Verify survives
//      wrong-length and garbage signatures for every supported alg.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jwtgate/jwt/alg.h"
#include "jwtgate/jwt/key.h"
#include "tests/fuzz/fuzz_check.h"

namespace jwtgate::fuzz {
namespace {

using jwt::Alg;
using jwt::AlgBit;
using jwt::AlgMask;

constexpr AlgMask Family(Alg a, Alg b, Alg c) {
  return AlgBit(a) | AlgBit(b) | AlgBit(c);
}
constexpr AlgMask kHmac = Family(Alg::kHS256, Alg::kHS384, Alg::kHS512);
constexpr AlgMask kRsa = Family(Alg::kRS256, Alg::kRS384, Alg::kRS512) |
                         Family(Alg::kPS256, Alg::kPS384, Alg::kPS512);
constexpr AlgMask kEc = Family(Alg::kES256, Alg::kES384, Alg::kES512);
constexpr AlgMask kEd = AlgBit(Alg::kEdDSA);

// All-zero signatures of the right length for `alg` (RSA: the usual
// modulus sizes), which no key may accept: r = 0 is not an ECDSA signature
// and 0^e mod n = 0 is no PKCS#1 / PSS encoding.
std::vector<size_t> ZeroSignatureSizes(Alg alg) {
  switch (alg) {
    case Alg::kES256:
      return {64};
    case Alg::kES384:
      return {96};
    case Alg::kES512:
      return {132};
    default:
      return {256, 384, 512};
  }
}

}  // namespace
}  // namespace jwtgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace jwtgate::fuzz;
  using jwtgate::jwt::Alg;
  if (size > 256 * 1024) return -1;
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  auto keys = jwtgate::jwt::ParseJwks("idp", json);
  auto again = jwtgate::jwt::ParseJwks("idp", json);
  FUZZ_CHECK(keys.ok() == again.ok(), "JWKS parse is not deterministic");
  if (!keys.ok()) {
    FUZZ_CHECK(keys.status().message() == again.status().message(),
               "JWKS error message is not deterministic");
    FUZZ_CHECK(!keys.status().message().empty(), "JWKS error without message");
    return 0;
  }
  FUZZ_CHECK(!keys->empty(), "JWKS parse succeeded with no key");
  FUZZ_CHECK(keys->size() == again->size(), "JWKS key count differs");

  // Per-index "alg" members, read separately to check invariant 3.
  simdjson::dom::parser parser;
  simdjson::dom::array jwks;
  const bool have_doc =
      parser.parse(json.data(), json.size())["keys"].get_array().get(jwks) ==
      simdjson::SUCCESS;

  static const std::string kInput = "eyJhbGciOiJFUzI1NiJ9.e30";
  for (size_t i = 0; i < keys->size(); ++i) {
    const jwtgate::jwt::Key& key = *(*keys)[i];
    const jwtgate::jwt::Key& twin = *(*again)[i];
    FUZZ_CHECK(key.name() == "idp", "JWKS key has another name");
    FUZZ_CHECK(key.kid() == twin.kid() && key.algs() == twin.algs(),
               "JWKS keys differ between two parses");
    FUZZ_CHECK(key.algs() != 0, "JWKS key supports no alg");
    FUZZ_CHECK((key.algs() & kHmac) == 0, "JWKS key supports an HMAC alg");
    const int families = ((key.algs() & kRsa) != 0) +
                         ((key.algs() & kEc) != 0) + ((key.algs() & kEd) != 0);
    FUZZ_CHECK(families == 1, "JWKS key spans several key families");
    if (have_doc && jwks.size() == keys->size()) {
      std::string_view alg_name;
      if (jwks.at(i)["alg"].get_string().get(alg_name) == simdjson::SUCCESS) {
        const auto alg = jwtgate::jwt::AlgFromName(alg_name);
        FUZZ_CHECK(alg && key.algs() == jwtgate::jwt::AlgBit(*alg),
                   "a JWK with \"alg\" supports other algs");
      }
    }
    for (int a = 0; a < jwtgate::jwt::kAlgCount; ++a) {
      const Alg alg = static_cast<Alg>(a);
      if (!key.Supports(alg)) continue;
      if (alg != Alg::kEdDSA) {
        for (size_t n : ZeroSignatureSizes(alg)) {
          FUZZ_CHECK(!key.Verify(alg, kInput, std::string(n, '\0')),
                     "an all-zero signature verified");
        }
      }
      // Garbage of several lengths, from the input itself.
      for (size_t len : {size_t{0}, size_t{1}, size_t{64}, size_t{256}}) {
        const std::string sig(json.substr(0, len));
        (void)key.Verify(alg, kInput, sig);
      }
    }
  }
  return 0;
}
