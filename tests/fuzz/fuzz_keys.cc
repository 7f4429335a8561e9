// Fixed fuzz key material: see fuzz_keys.h.
#include "tests/fuzz/fuzz_keys.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "jwtgate/jwt/alg.h"
#include "tests/testing/test_keys.h"

namespace jwtgate::fuzz {

std::string HsSecret() { return testing::HmacSecretFor(jwt::Alg::kHS256); }

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz: cannot read %s\n", path.c_str());
    std::abort();
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ReadKeyFile(std::string_view name) {
  return ReadFileOrDie(std::string(JWTGATE_FUZZ_KEYS_DIR) + "/" +
                       std::string(name));
}

}  // namespace jwtgate::fuzz
