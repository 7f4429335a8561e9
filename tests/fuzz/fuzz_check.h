// File: tests/fuzz/fuzz_check.h
//
// FUZZ_CHECK(cond, what): an invariant of a fuzz target. When it fails the
// target prints where and why, then aborts, which libFuzzer reports as a
// crash and saves the input that caused it. Never prints input bytes (a
// token may sit in them); the saved input file is the reproducer.
#ifndef JWTGATE_TESTS_FUZZ_FUZZ_CHECK_H_
#define JWTGATE_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

namespace jwtgate::fuzz {

[[noreturn]] inline void CheckFailed(const char* file, int line,
                                     const char* cond, const char* what) {
  std::fprintf(stderr, "\nFUZZ INVARIANT VIOLATED at %s:%d: %s\n  (%s)\n", file,
               line, what, cond);
  std::abort();
}

}  // namespace jwtgate::fuzz

#define FUZZ_CHECK(cond, what)                                       \
  do {                                                               \
    if (!(cond)) {                                                   \
      ::jwtgate::fuzz::CheckFailed(__FILE__, __LINE__, #cond, what); \
    }                                                                \
  } while (0)

#endif  // JWTGATE_TESTS_FUZZ_FUZZ_CHECK_H_
