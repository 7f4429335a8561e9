// File: jwtgate/common/log.h
//
// Process log (not the access log): one line per event to stderr,
// "LEVEL message". Thread-safe (each line is one write(2)). Never pass a
// token or secret to it. Implemented in src/common/log.cc.
#ifndef JWTGATE_COMMON_LOG_H_
#define JWTGATE_COMMON_LOG_H_

#include <string_view>

#include "absl/strings/str_format.h"

namespace jwtgate {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
bool LogEnabled(LogLevel level);
void LogLine(LogLevel level, std::string_view message);

template <typename... Args>
void Logf(LogLevel level, const absl::FormatSpec<Args...>& fmt,
          const Args&... args) {
  if (LogEnabled(level)) LogLine(level, absl::StrFormat(fmt, args...));
}

}  // namespace jwtgate

#endif  // JWTGATE_COMMON_LOG_H_
