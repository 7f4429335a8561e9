// jwtgate::app::Main: picks the command from argv and runs it.
#include "jwtgate/app/cli.h"

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "app/commands.h"
#include "jwtgate/common/clock.h"
#include "jwtgate/shard/gateway.h"

namespace jwtgate::app {
namespace {

int UsageError(std::string_view message) {
  std::cerr << "jwtgate: " << message << "\n";
  PrintUsage(std::cerr);
  return kExitUsage;
}

}  // namespace

int Main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (!args.empty() && args[0] == "mint") {
    args.erase(args.begin());
    return RunMint(args, SystemClock::Get().UnixSeconds(), std::cout,
                   std::cerr);
  }

  std::string config_path = kDefaultConfigPath;
  bool check = false;
  bool version = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      PrintUsage(std::cout);
      return kExitOk;
    } else if (a == "--version") {
      version = true;
    } else if (a == "--check") {
      check = true;
    } else if (a == "--config") {
      if (i + 1 == args.size()) return UsageError("--config needs a FILE");
      config_path = std::string(args[++i]);
    } else if (a.starts_with("--config=")) {
      config_path = std::string(a.substr(9));
    } else {
      return UsageError(std::string("unknown argument '") + std::string(a) +
                        "'");
    }
  }
  if (config_path.empty()) return UsageError("--config needs a FILE");
  if (version) return RunVersion(std::cout);
  if (check) return RunCheck(config_path, std::cout, std::cerr);
  return RunGateway(config_path);
}

}  // namespace jwtgate::app
