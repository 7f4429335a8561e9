// File: jwtgate/io/user_data.h
//
// The 64-bit io_uring `user_data` cookie: operation kind, slot and slot
// generation. A completion whose generation no longer matches its slot's
// belongs to an earlier occupant and is dropped, so a late completion never
// touches a reused slot. Pure value type; no allocation, no state.
#ifndef JWTGATE_IO_USER_DATA_H_
#define JWTGATE_IO_USER_DATA_H_

#include <cstdint>

namespace jwtgate::io {

// Layout: kind in bits 56..63, slot in bits 32..55, generation in 0..31.
// Kind 0 means "nothing to dispatch" and kind 0xff is never produced, so a
// cookie can never equal liburing's internal LIBURING_UDATA_TIMEOUT (~0).
class UserData {
 public:
  static constexpr uint32_t kMaxSlot = (1u << 24) - 1;
  static constexpr uint8_t kMaxKind = 0xfe;

  // REQUIRES: slot <= kMaxSlot, kind <= kMaxKind.
  static constexpr uint64_t Pack(uint8_t kind, uint32_t slot, uint32_t gen) {
    return (uint64_t{kind} << 56) | (uint64_t{slot & kMaxSlot} << 32) | gen;
  }
  static constexpr uint8_t Kind(uint64_t v) {
    return static_cast<uint8_t>(v >> 56);
  }
  static constexpr uint32_t Slot(uint64_t v) {
    return static_cast<uint32_t>(v >> 32) & kMaxSlot;
  }
  static constexpr uint32_t Generation(uint64_t v) {
    return static_cast<uint32_t>(v);
  }
};

}  // namespace jwtgate::io

#endif  // JWTGATE_IO_USER_DATA_H_
