// File: jwtgate/app/cli.h
//
// The command line of SPEC §1: run, --check, --version, --help, mint.
// Implemented in src/app/.
#ifndef JWTGATE_APP_CLI_H_
#define JWTGATE_APP_CLI_H_

namespace jwtgate::app {

// Parses argv, runs the chosen command, returns the process exit code
// (0 ok, 1 failure such as an invalid config, 2 usage error).
int Main(int argc, char** argv);

}  // namespace jwtgate::app

#endif  // JWTGATE_APP_CLI_H_
