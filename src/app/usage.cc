// The usage text of `jwtgate --help` and of usage errors.
#include "app/commands.h"

namespace jwtgate::app {

void PrintUsage(std::ostream& out) {
  out << "usage:\n"
         "  jwtgate [--config FILE]          run in the foreground (default "
         "FILE: "
      << kDefaultConfigPath
      << ")\n"
         "  jwtgate --check [--config FILE]  validate the config and its "
         "keys; print ok\n"
         "  jwtgate --version                versions of jwtgate and its "
         "libraries\n"
         "  jwtgate mint [options]           print a signed token\n"
         "  jwtgate --help                   this text\n"
         "\n"
         "mint options:\n"
         "  --alg ALG               HS256 (default) HS384 HS512 RS256 RS384 "
         "RS512\n"
         "                          PS256 PS384 PS512 ES256 ES384 ES512 "
         "EdDSA\n"
         "  --secret-env VAR        HS*: secret from environment variable "
         "VAR\n"
         "  --secret-file FILE      HS*: secret from FILE (one trailing "
         "newline dropped)\n"
         "  --secret-encoding ENC   raw (default), base64 or base64url, as "
         "in [key]\n"
         "  --private-key PEM       RS*/PS*/ES*/EdDSA: private key PEM "
         "file\n"
         "  --kid KID               kid header\n"
         "  --sub SUB, --iss ISS    sub and iss claims\n"
         "  --aud AUD               aud claim (repeatable: several make an "
         "array)\n"
         "  --ttl DURATION          sets iat = now and exp = now + DURATION "
         "(default 1h)\n"
         "  --claim NAME=VALUE      extra claim (repeatable); VALUE is taken "
         "as JSON\n"
         "                          when it is valid JSON, else as a "
         "string\n";
}

}  // namespace jwtgate::app
