// File: tests/fuzz/fuzz_keys.h
//
// The fixed key material of the fuzz targets and their seed corpora.
//
// - HS256: the test suite's fixed secret (tests/testing/test_keys.h).
// - ES256 and RS256: public keys committed in tests/fuzz/keys/. The seed
//   tokens were signed by tests/fuzz/corpus_gen.cc with private keys it
//   generated and then dropped, so no private key is in the tree and the
//   fuzzer can only reach a valid ES256/RS256 signature by replaying a seed.
// - A per-process ES256 key pair (tests/testing/test_keys.h EcP256()) for
//   targets that sign fuzzer-made headers and payloads at run time.
//
// Seed tokens are minted at kFixedNow; targets verify at times around it.
// Thread rule: functions are safe to call from one thread (libFuzzer runs
// targets on one thread).
#ifndef JWTGATE_TESTS_FUZZ_FUZZ_KEYS_H_
#define JWTGATE_TESTS_FUZZ_FUZZ_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace jwtgate::fuzz {

// 2025-06-15T15:06:40Z: the "now" of every seed token.
inline constexpr int64_t kFixedNow = 1750000000;
inline constexpr int64_t kSeedTtl = 3600;

inline constexpr std::string_view kKidHs = "fuzz-hs";
inline constexpr std::string_view kKidEs256 = "fuzz-es256";
inline constexpr std::string_view kKidRs256 = "fuzz-rs256";
inline constexpr std::string_view kKidRuntime = "fuzz-runtime";

inline constexpr std::string_view kIssuer = "https://tenant.auth0.com/";
inline constexpr std::string_view kAudience = "https://api.example.com";

// File names under tests/fuzz/keys/.
inline constexpr std::string_view kEs256PublicFile = "es256_public.pem";
inline constexpr std::string_view kRs256PublicFile = "rs256_public.pem";

// The HS256 secret (32 bytes).
std::string HsSecret();

// Contents of tests/fuzz/keys/NAME; aborts the process when unreadable
// (the build embeds the directory's absolute path).
std::string ReadKeyFile(std::string_view name);

// The whole file at `path`, or aborts.
std::string ReadFileOrDie(const std::string& path);

}  // namespace jwtgate::fuzz

#endif  // JWTGATE_TESTS_FUZZ_FUZZ_KEYS_H_
