// Token verification micro-benchmarks (issue 2 "Speed"):
//   base64url decode, JWS parse (split + header), HS256 uncached/cached,
//   RS256 / ES256 / EdDSA verify, the bare OpenSSL EVP_DigestVerify of the
//   same RS256/ES256 signing input (the floor our parsing adds to), and the
//   same tokens through libjwt 1.10 (jwt_decode with key) as the peer.
//
// Run (median of 5):
//   verify_bench --benchmark_repetitions=5
//                --benchmark_report_aggregates_only=true
//
// Keys are generated at start-up (EVP_PKEY_keygen); tokens are minted with
// jwt::Mint, valid for a day from now. Every benchmark first checks that
// the token verifies, so a broken path shows as an error, not a fast time.
#include <benchmark/benchmark.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <simdjson.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "jwt/ecdsa_der.h"
#include "jwt/jws.h"
#include "jwtgate/common/base64url.h"
#include "jwtgate/common/clock.h"
#include "jwtgate/jwt/key.h"
#include "jwtgate/jwt/mint.h"
#include "jwtgate/jwt/verifier.h"

namespace jwtgate::jwt {
namespace {

struct KeyPair {
  std::string private_pem;
  std::string public_pem;
  EVP_PKEY* pkey = nullptr;  // lives for the whole process
};

KeyPair Generate(const char* type, const char* group, int rsa_bits) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY_keygen_init(ctx);
  if (group != nullptr) {
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string("group", const_cast<char*>(group), 0),
        OSSL_PARAM_construct_end()};
    EVP_PKEY_CTX_set_params(ctx, params);
  }
  if (rsa_bits != 0) EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, rsa_bits);
  KeyPair kp;
  if (EVP_PKEY_keygen(ctx, &kp.pkey) != 1) std::abort();
  EVP_PKEY_CTX_free(ctx);
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, kp.pkey, nullptr, nullptr, 0, nullptr,
                           nullptr);
  PEM_write_bio_PUBKEY(pub, kp.pkey);
  char* data = nullptr;
  long n = BIO_get_mem_data(priv, &data);
  kp.private_pem.assign(data, static_cast<size_t>(n));
  n = BIO_get_mem_data(pub, &data);
  kp.public_pem.assign(data, static_cast<size_t>(n));
  BIO_free(priv);
  BIO_free(pub);
  return kp;
}

// An Auth0-shaped access token: 6 claims, ~250 bytes with HS256.
constexpr char kIssuer[] = "https://tenant.auth0.com/";
constexpr char kAudience[] = "https://api.example.com";
const std::string kSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes

std::string MintAuth0(Alg alg, const std::string& material) {
  MintOptions o;
  o.alg = alg;
  (IsHmac(alg) ? o.secret : o.private_key_pem) = material;
  o.iss = kIssuer;
  o.sub = "auth0|5f7c8ec7c33c";
  o.aud = {kAudience};
  o.now_unix = SystemClock::Get().UnixSeconds();
  o.ttl_seconds = 86400;
  o.claims_json = {{"scope", "\"read:messages\""}};
  auto t = Mint(o);
  if (!t.ok()) std::abort();
  return *t;
}

// Everything a benchmark needs for one alg: token, policy, PEM, pkey.
struct Fixture {
  Alg alg;
  std::string token;
  std::string key_material;  // secret (HS) or public PEM
  EVP_PKEY* pkey = nullptr;
  Policy policy;
};

Fixture* MakeFixture(Alg alg) {
  auto* f = new Fixture;
  f->alg = alg;
  KeyPtr key;
  if (IsHmac(alg)) {
    f->token = MintAuth0(alg, kSecret);
    f->key_material = kSecret;
    key = *MakeHmacKey("bench", alg, kSecret);
  } else {
    const KeyPair kp = alg == Alg::kRS256   ? Generate("RSA", nullptr, 2048)
                       : alg == Alg::kES256 ? Generate("EC", "P-256", 0)
                                            : Generate("ED25519", nullptr, 0);
    f->token = MintAuth0(alg, kp.private_pem);
    f->key_material = kp.public_pem;
    f->pkey = kp.pkey;
    key = *MakePemPublicKey("bench", alg, kp.public_pem);
  }
  f->policy.keys = {key};
  f->policy.issuers = {kIssuer};
  f->policy.audiences = {kAudience};
  return f;
}

// Built once, before any benchmark thread reads them (static init is
// thread-safe; multi-threaded benchmarks call Get from several threads).
const Fixture& Get(Alg alg) {
  struct All {
    Fixture* hs256 = MakeFixture(Alg::kHS256);
    Fixture* rs256 = MakeFixture(Alg::kRS256);
    Fixture* es256 = MakeFixture(Alg::kES256);
    Fixture* eddsa = MakeFixture(Alg::kEdDSA);
  };
  static const All* const all = new All;
  switch (alg) {
    case Alg::kRS256:
      return *all->rs256;
    case Alg::kES256:
      return *all->es256;
    case Alg::kEdDSA:
      return *all->eddsa;
    default:
      return *all->hs256;
  }
}

int64_t Now() { return SystemClock::Get().UnixSeconds(); }

void VerifyLoop(benchmark::State& state, Alg alg, size_t cache_entries) {
  const Fixture& f = Get(alg);
  Verifier verifier(cache_entries);
  const int64_t now = Now();
  if (verifier.Verify(f.token, f.policy, now).result != AuthResult::kOk) {
    state.SkipWithError("token does not verify");
    return;
  }
  for (auto _ : state) {
    VerifyOutcome out = verifier.Verify(f.token, f.policy, now);
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(std::to_string(f.token.size()) + " B token");
}

void BM_Base64UrlDecode(benchmark::State& state) {
  const std::string& token = Get(Alg::kHS256).token;
  const size_t d1 = token.find('.');
  const std::string payload = token.substr(d1 + 1, token.rfind('.') - d1 - 1);
  uint8_t out[1024];
  for (auto _ : state) {
    benchmark::DoNotOptimize(Base64UrlDecode(payload, out, sizeof(out)));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(payload.size()));
}
BENCHMARK(BM_Base64UrlDecode);

// Split, decode the header into padded scratch, parse alg/kid/crit.
void BM_JwsParse(benchmark::State& state) {
  const std::string& token = Get(Alg::kHS256).token;
  simdjson::ondemand::parser parser;
  uint8_t buf[512 + simdjson::SIMDJSON_PADDING] = {};
  for (auto _ : state) {
    JwsParts parts;
    SplitJws(token, &parts);
    const ptrdiff_t n = Base64UrlDecode(parts.header, buf, 512);
    JoseHeader h;
    benchmark::DoNotOptimize(
        ParseJoseHeader(parser, buf, static_cast<size_t>(n), sizeof(buf), &h));
  }
}
BENCHMARK(BM_JwsParse);

void BM_Hs256VerifyUncached(benchmark::State& s) {
  VerifyLoop(s, Alg::kHS256, 0);
}
BENCHMARK(BM_Hs256VerifyUncached);
// Two shards verifying at once (one Verifier each, shared key): shows the
// cost of OpenSSL's shared reference counts on the HMAC context copies.
BENCHMARK(BM_Hs256VerifyUncached)->Threads(2)->UseRealTime();

void BM_Hs256VerifyCached(benchmark::State& s) {
  VerifyLoop(s, Alg::kHS256, 16384);
}
BENCHMARK(BM_Hs256VerifyCached);

void BM_Rs256Verify(benchmark::State& s) { VerifyLoop(s, Alg::kRS256, 0); }
BENCHMARK(BM_Rs256Verify);

void BM_Es256Verify(benchmark::State& s) { VerifyLoop(s, Alg::kES256, 0); }
BENCHMARK(BM_Es256Verify);

void BM_EdDsaVerify(benchmark::State& s) { VerifyLoop(s, Alg::kEdDSA, 0); }
BENCHMARK(BM_EdDsaVerify);

// The floor: one EVP_DigestVerify of the same signing input with the same
// EVP_PKEY, as any OpenSSL user would write it (fresh context per call),
// with the signature already decoded (and DER for ECDSA).
void BareDigestVerify(benchmark::State& state, Alg alg) {
  const Fixture& f = Get(alg);
  const size_t dot = f.token.rfind('.');
  const std::string input = f.token.substr(0, dot);
  const std::string b64 = f.token.substr(dot + 1);
  std::string sig(Base64UrlDecodedMaxSize(b64.size()), '\0');
  sig.resize(static_cast<size_t>(Base64UrlDecode(
      b64, reinterpret_cast<uint8_t*>(sig.data()), sig.size())));
  if (alg == Alg::kES256) {
    uint8_t der[kMaxEcdsaDerSize];
    sig.assign(reinterpret_cast<char*>(der), EcdsaRawToDer(sig, der));
  }
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  auto verify_once = [&] {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, f.pkey);
    const int rc = EVP_DigestVerify(
        ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
        reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    return rc;
  };
  if (verify_once() != 1) {
    state.SkipWithError("reference verify failed");
    EVP_MD_free(md);
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(verify_once());
  EVP_MD_free(md);
}

void BM_OpenSslRs256DigestVerify(benchmark::State& s) {
  BareDigestVerify(s, Alg::kRS256);
}
BENCHMARK(BM_OpenSslRs256DigestVerify);

void BM_OpenSslEs256DigestVerify(benchmark::State& s) {
  BareDigestVerify(s, Alg::kES256);
}
BENCHMARK(BM_OpenSslEs256DigestVerify);

// The peer: libjwt 1.10 decoding and verifying the very same token.
void Libjwt(benchmark::State& state, Alg alg) {
  const Fixture& f = Get(alg);
  const auto* key =
      reinterpret_cast<const unsigned char*>(f.key_material.data());
  const int key_len = static_cast<int>(f.key_material.size());
  jwt_t* probe = nullptr;
  if (jwt_decode(&probe, f.token.c_str(), key, key_len) != 0) {
    state.SkipWithError("libjwt rejects the token");
    return;
  }
  jwt_free(probe);
  for (auto _ : state) {
    jwt_t* jwt = nullptr;
    benchmark::DoNotOptimize(jwt_decode(&jwt, f.token.c_str(), key, key_len));
    jwt_free(jwt);
  }
}

void BM_LibjwtHs256(benchmark::State& s) { Libjwt(s, Alg::kHS256); }
BENCHMARK(BM_LibjwtHs256);

void BM_LibjwtRs256(benchmark::State& s) { Libjwt(s, Alg::kRS256); }
BENCHMARK(BM_LibjwtRs256);

void BM_LibjwtEs256(benchmark::State& s) { Libjwt(s, Alg::kES256); }
BENCHMARK(BM_LibjwtEs256);

}  // namespace
}  // namespace jwtgate::jwt

BENCHMARK_MAIN();
