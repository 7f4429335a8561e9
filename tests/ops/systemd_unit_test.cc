// systemd/jwtgate.service: `systemd-analyze verify` is clean, and
// `cmake --install` puts the binary and example config where the unit
// expects them.
#include <sys/stat.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ops/ops_test_util.h"

namespace jwtgate::ops {
namespace {

using ::testing::HasSubstr;
using testing::ReadFile;
using testing::RunCommand;
using testing::TempDir;
using testing::WriteFile;

constexpr char kUnitPath[] = JWTGATE_SOURCE_DIR "/systemd/jwtgate.service";
constexpr char kInstalledBinary[] = "/usr/local/bin/jwtgate";

std::string ReplaceAll(std::string text, const std::string& from,
                       const std::string& to) {
  for (size_t at = 0; (at = text.find(from, at)) != std::string::npos;
       at += to.size()) {
    text.replace(at, from.size(), to);
  }
  return text;
}

bool IsExecutable(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         (st.st_mode & S_IXUSR);
}

// Verifies `unit_text` as a unit file named jwtgate.service.
void ExpectVerifyClean(const std::string& unit_text) {
  TempDir dir;
  const std::string unit = dir.File("jwtgate.service");
  WriteFile(unit, unit_text);
  std::string output;
  EXPECT_EQ(
      RunCommand("systemd-analyze verify --man=no '" + unit + "'", &output), 0)
      << output;
  EXPECT_EQ(output, "") << "systemd-analyze verify warnings:\n" << output;
}

TEST(SystemdUnitTest, HasTheLifecycleAndHardeningSettings) {
  const std::string unit = ReadFile(kUnitPath);
  for (const char* line :
       {"Type=notify",
        "ExecStartPre=/usr/local/bin/jwtgate --check --config "
        "/etc/jwtgate/jwtgate.ini",
        "ExecStart=/usr/local/bin/jwtgate --config /etc/jwtgate/jwtgate.ini",
        "ExecReload=/usr/local/bin/jwtgate --check --config "
        "/etc/jwtgate/jwtgate.ini",
        "ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure",
        "WatchdogSec=", "DynamicUser=yes",
        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "LimitNOFILE=", "LoadCredential=jwt-secret:", "NoNewPrivileges=yes",
        "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
        "PrivateDevices=yes",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service io_uring_setup io_uring_enter "
        "io_uring_register"}) {
    EXPECT_THAT(unit, HasSubstr(std::string("\n") + line)) << line;
  }
}

TEST(SystemdUnitTest, VerifyIsClean) {
  // verify checks that ExecStart's binary exists: point it at the one built.
  ASSERT_TRUE(IsExecutable(JWTGATE_BINARY)) << JWTGATE_BINARY;
  ExpectVerifyClean(
      ReplaceAll(ReadFile(kUnitPath), kInstalledBinary, JWTGATE_BINARY));
}

TEST(SystemdUnitTest, VerifyCatchesABrokenUnit) {
  // The check above can fail: an unknown key is reported.
  TempDir dir;
  const std::string unit = dir.File("broken.service");
  WriteFile(unit, "[Service]\nExecStart=/bin/true\nNoSuchKey=1\n");
  std::string output;
  RunCommand("systemd-analyze verify --man=no '" + unit + "'", &output);
  EXPECT_THAT(output, HasSubstr("NoSuchKey"));
}

TEST(SystemdUnitTest, SystemCallFilterAllowsIoUring) {
  std::string output;
  ASSERT_EQ(
      RunCommand("systemd-analyze syscall-filter @system-service", &output), 0);
  // Either the group has them or the unit names them (it does both here).
  const std::string unit = ReadFile(kUnitPath);
  for (const char* call :
       {"io_uring_setup", "io_uring_enter", "io_uring_register"}) {
    EXPECT_THAT(unit, HasSubstr(call));
  }
  // The calls the shards and the ops threads use are not denied by
  // ~@privileged.
  ASSERT_EQ(RunCommand("systemd-analyze syscall-filter @privileged", &output),
            0);
  for (const char* call :
       {"io_uring_setup", "sched_setaffinity", "epoll_wait", "splice",
        "eventfd2", "signalfd4", "accept4", "setsockopt"}) {
    EXPECT_THAT(output,
                ::testing::Not(HasSubstr(std::string("    ") + call + "\n")))
        << call;
  }
}

TEST(SystemdUnitTest, CmakeInstallPutsFilesWhereTheUnitExpects) {
  const std::string binary = JWTGATE_BINARY;
  const std::string build_dir = binary.substr(0, binary.rfind('/'));
  TempDir dest;
  std::string output;
  ASSERT_EQ(RunCommand("DESTDIR='" + dest.path() + "' cmake --install '" +
                           build_dir + "' --prefix /usr/local",
                       &output),
            0)
      << output;
  const std::string root = dest.path();
  EXPECT_TRUE(IsExecutable(root + kInstalledBinary)) << output;
  EXPECT_NE(ReadFile(root + "/etc/jwtgate/jwtgate.ini"), "") << output;
  const std::string installed_unit =
      ReadFile(root + "/usr/local/lib/systemd/system/jwtgate.service");
  EXPECT_EQ(installed_unit, ReadFile(kUnitPath)) << output;
  ExpectVerifyClean(
      ReplaceAll(installed_unit, kInstalledBinary, root + kInstalledBinary));
}

}  // namespace
}  // namespace jwtgate::ops
