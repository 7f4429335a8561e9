// File: tests/testing/upstream/pattern.h
//
// The deterministic byte pattern that jwtgate_test_upstream serves on
// `/bytes/N`: body byte i is PatternBlock()[i % kPatternPeriod]. The block is
// xorshift32 output (seed 0x9E3779B9, top byte of each step), so a body is
// not periodic on any power-of-two boundary and a dropped, duplicated or
// reordered buffer changes its hash. Header-only so integration tests can
// compute expected bodies and hashes without the upstream's sources.
//
// Thread rule: PatternBlock() is initialised once (thread-safe static) and
// read-only afterwards.
#ifndef JWTGATE_TESTS_TESTING_UPSTREAM_PATTERN_H_
#define JWTGATE_TESTS_TESTING_UPSTREAM_PATTERN_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace jwtgate::testing {

// A prime, so the pattern never lines up with buffer or chunk sizes.
inline constexpr size_t kPatternPeriod = 65521;
// The block is this much longer than one period, so any span of up to
// kPatternSlack bytes starting anywhere in the period is contiguous.
inline constexpr size_t kPatternSlack = 256 * 1024;

inline const uint8_t* PatternBlock() {
  static const uint8_t* const block = [] {
    auto* b = new uint8_t[kPatternPeriod + kPatternSlack];
    uint32_t state = 0x9E3779B9u;
    for (size_t i = 0; i < kPatternPeriod; ++i) {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      b[i] = static_cast<uint8_t>(state >> 24);
    }
    for (size_t i = kPatternPeriod; i < kPatternPeriod + kPatternSlack; ++i) {
      b[i] = b[i - kPatternPeriod];
    }
    return b;
  }();
  return block;
}

// Pointer to `n` (<= kPatternSlack) contiguous pattern bytes starting at
// body offset `offset`.
inline const char* PatternAt(uint64_t offset) {
  return reinterpret_cast<const char*>(PatternBlock() +
                                       offset % kPatternPeriod);
}

// Bytes [offset, offset + n) of the pattern.
inline std::string PatternBytes(uint64_t offset, size_t n) {
  std::string out;
  out.reserve(n);
  while (n > 0) {
    size_t step = n < kPatternSlack ? n : kPatternSlack;
    out.append(PatternAt(offset), step);
    offset += step;
    n -= step;
  }
  return out;
}

}  // namespace jwtgate::testing

#endif  // JWTGATE_TESTS_TESTING_UPSTREAM_PATTERN_H_
