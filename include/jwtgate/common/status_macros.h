// File: jwtgate/common/status_macros.h
//
// RETURN_IF_ERROR / ASSIGN_OR_RETURN for absl::Status, which our abseil
// (20220623) does not ship yet.
#ifndef JWTGATE_COMMON_STATUS_MACROS_H_
#define JWTGATE_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define JWTGATE_CONCAT_INNER_(a, b) a##b
#define JWTGATE_CONCAT_(a, b) JWTGATE_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status); returns it from the caller if not ok.
#define JWTGATE_RETURN_IF_ERROR(expr)              \
  do {                                             \
    ::absl::Status jwtgate_status_ = (expr);       \
    if (!jwtgate_status_.ok()) return jwtgate_status_; \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status,
// otherwise moves the value into `lhs` (which may be a declaration).
#define JWTGATE_ASSIGN_OR_RETURN(lhs, rexpr) \
  JWTGATE_ASSIGN_OR_RETURN_IMPL_(JWTGATE_CONCAT_(jwtgate_sor_, __LINE__), lhs, rexpr)
#define JWTGATE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                   \
  if (!tmp.ok()) return std::move(tmp).status();        \
  lhs = std::move(tmp).value()

#endif  // JWTGATE_COMMON_STATUS_MACROS_H_
