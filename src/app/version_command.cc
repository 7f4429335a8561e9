// `jwtgate --version`: our version and the versions of the libraries we
// were built with (and run with, for the shared OpenSSL).
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "app/commands.h"
#include "jwtgate/common/version.h"
#include "llhttp.h"
#include "simdjson.h"

#if __has_include(<liburing/io_uring_version.h>)
#include <liburing/io_uring_version.h>
#endif

#define JWTGATE_STR_(x) #x
#define JWTGATE_STR(x) JWTGATE_STR_(x)

namespace jwtgate::app {
namespace {

// liburing >= 2.4 has a version header; Debian 12's 2.3 has not, and CMake
// passes pkg-config's version instead.
#if defined(IO_URING_VERSION_MAJOR)
constexpr char kLiburingVersion[] =
    JWTGATE_STR(IO_URING_VERSION_MAJOR) "." JWTGATE_STR(IO_URING_VERSION_MINOR);
#elif defined(JWTGATE_LIBURING_VERSION)
constexpr char kLiburingVersion[] = JWTGATE_LIBURING_VERSION;
#else
constexpr char kLiburingVersion[] = "unknown";
#endif

}  // namespace

int RunVersion(std::ostream& out) {
  out << "jwtgate " << JWTGATE_VERSION << "\n"
      << "OpenSSL " << OPENSSL_VERSION_STR << " (running "
      << OpenSSL_version(OPENSSL_VERSION_STRING) << ")\n"
      << "liburing " << kLiburingVersion << "\n"
      << "llhttp " << LLHTTP_VERSION_MAJOR << "." << LLHTTP_VERSION_MINOR << "."
      << LLHTTP_VERSION_PATCH << "\n"
      << "simdjson " << JWTGATE_STR(SIMDJSON_VERSION) << "\n";
  return kExitOk;
}

}  // namespace jwtgate::app
