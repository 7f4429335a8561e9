// The commands of the command line (SPEC §1), each in its own file, as
// functions over argument lists and output streams so that tests can run
// them in-process. Main (cli.cc) only picks one.
#ifndef JWTGATE_SRC_APP_COMMANDS_H_
#define JWTGATE_SRC_APP_COMMANDS_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace jwtgate::app {

inline constexpr char kDefaultConfigPath[] = "/etc/jwtgate/jwtgate.ini";

// Exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Writes the usage text.
void PrintUsage(std::ostream& out);

// `--check`: loads and validates the config and every key it names. Prints
// "ok" to `out`, or one `FILE:LINE: message` line per problem to `err`.
int RunCheck(const std::string& config_path, std::ostream& out,
             std::ostream& err);

// `--version`: jwtgate and library versions.
int RunVersion(std::ostream& out);

// `mint [options]` (args exclude "mint"): prints one signed token. Usage
// errors return kExitUsage; a secret or key that cannot be read returns
// kExitFailure. `now_unix` sets iat/exp.
int RunMint(const std::vector<std::string_view>& args, int64_t now_unix,
            std::ostream& out, std::ostream& err);

}  // namespace jwtgate::app

#endif  // JWTGATE_SRC_APP_COMMANDS_H_
