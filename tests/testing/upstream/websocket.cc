// RFC 6455 handshake and frame echo for jwtgate_test_upstream's /ws.
#include "websocket.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "absl/strings/str_cat.h"
#include "text.h"

namespace jwtgate::testing {
namespace {

constexpr char kWsGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr uint64_t kMaxFramePayload = 16u << 20;

void AppendFrameHeader(uint8_t first, uint64_t len, std::string* out) {
  out->push_back(static_cast<char>(first));
  if (len < 126) {
    out->push_back(static_cast<char>(len));
  } else if (len <= 0xffff) {
    out->push_back(126);
    out->push_back(static_cast<char>(len >> 8));
    out->push_back(static_cast<char>(len & 0xff));
  } else {
    out->push_back(127);
    for (int shift = 56; shift >= 0; shift -= 8) {
      out->push_back(static_cast<char>((len >> shift) & 0xff));
    }
  }
}

}  // namespace

std::string WebSocketAccept(std::string_view key) {
  std::string input = std::string(key) + kWsGuid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(),
       digest);
  unsigned char b64[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(b64, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(b64), static_cast<size_t>(n));
}

std::optional<std::string> WebSocketAcceptHead(const UpstreamRequest& r) {
  std::string_view key = TrimOws(r.Header("sec-websocket-key"));
  if (!EqualsNoCase(TrimOws(r.Header("upgrade")), "websocket") || key.empty()) {
    return std::nullopt;
  }
  return absl::StrCat(
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ",
      WebSocketAccept(key), "\r\n\r\n");
}

WsResult EchoWebSocketFrames(std::string* in, std::string* out) {
  size_t pos = 0;
  WsResult result = WsResult::kNeedMore;
  while (result == WsResult::kNeedMore) {
    const auto* p = reinterpret_cast<const uint8_t*>(in->data()) + pos;
    size_t avail = in->size() - pos;
    if (avail < 2) break;
    uint8_t first = p[0];
    bool masked = (p[1] & 0x80) != 0;
    uint64_t len = p[1] & 0x7f;
    size_t hdr = 2;
    if (len == 126) {
      if (avail < 4) break;
      len = (uint64_t{p[2]} << 8) | p[3];
      hdr = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      hdr = 10;
    }
    if (!masked || len > kMaxFramePayload) return WsResult::kError;
    if (avail < hdr + 4 + len) break;
    const uint8_t* mask = p + hdr;
    const uint8_t* payload = mask + 4;
    uint8_t opcode = first & 0x0f;
    uint8_t reply_first = first;
    if (opcode == 0x9) reply_first = static_cast<uint8_t>((first & 0xf0) | 0xA);
    AppendFrameHeader(reply_first, len, out);
    for (uint64_t i = 0; i < len; ++i) {
      out->push_back(static_cast<char>(payload[i] ^ mask[i & 3]));
    }
    pos += hdr + 4 + len;
    if (opcode == 0x8) result = WsResult::kClose;
  }
  in->erase(0, pos);
  return result;
}

}  // namespace jwtgate::testing
