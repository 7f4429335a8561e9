// Raw-socket HTTP/1.1 test client: strict response framing, bounded waits.
#include "tests/testing/http_client.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace jwtgate::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool EqNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](char x, char y) { return Lower(x) == Lower(y); });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

int PollMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

bool HasHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (EqNoCase(h.first, name)) return true;
  }
  return false;
}

absl::Status Malformed(const std::string& why) {
  return absl::DataLossError("malformed response: " + why);
}

// Strict decimal, no sign, no spaces.
bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

const char* PeerStateName(PeerState s) {
  switch (s) {
    case PeerState::kClosed:
      return "closed";
    case PeerState::kReset:
      return "reset";
    case PeerState::kData:
      return "data";
    case PeerState::kTimeout:
      return "timeout";
  }
  return "?";
}

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqNoCase(n, name)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> HttpResponse::HeaderValues(
    std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers) {
    if (EqNoCase(n, name)) out.push_back(v);
  }
  return out;
}

size_t HttpResponse::HeaderCount(std::string_view name) const {
  return HeaderValues(name).size();
}

absl::StatusOr<HttpClient> HttpClient::Connect(uint16_t port,
                                               milliseconds timeout) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return absl::InternalError("socket failed");
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) !=
      0) {
    if (errno != EINPROGRESS) {
      return absl::UnavailableError(
          absl::StrCat("connect to port ", port, ": ", std::strerror(errno)));
    }
    pollfd p{fd.get(), POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
      return absl::DeadlineExceededError(
          absl::StrCat("connect to port ", port, " timed out"));
    }
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      return absl::UnavailableError(
          absl::StrCat("connect to port ", port, ": ", std::strerror(err)));
    }
  }
  sockaddr_in local{};
  socklen_t len = sizeof(local);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &len);
  return HttpClient(std::move(fd), ntohs(local.sin_port));
}

absl::Status HttpClient::Send(std::string_view bytes, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    ssize_t w = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (w > 0) {
      bytes.remove_prefix(static_cast<size_t>(w));
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_.get(), POLLOUT, 0};
      if (::poll(&p, 1, PollMs(deadline)) == 0) {
        return absl::DeadlineExceededError(
            absl::StrCat("send blocked with ", bytes.size(), " bytes left"));
      }
      continue;
    }
    return absl::UnavailableError(absl::StrCat("send: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status HttpClient::Fill(Clock::time_point deadline, bool* eof) {
  *eof = false;
  if (eof_) {
    *eof = true;
    return absl::OkStatus();
  }
  for (;;) {
    pollfd p{fd_.get(), POLLIN, 0};
    int n = ::poll(&p, 1, PollMs(deadline));
    if (n == 0) return absl::DeadlineExceededError("timed out reading");
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError("poll failed");
    }
    char tmp[64 * 1024];
    ssize_t r = ::recv(fd_.get(), tmp, sizeof(tmp), 0);
    if (r > 0) {
      buf_.append(tmp, static_cast<size_t>(r));
      return absl::OkStatus();
    }
    if (r == 0) {
      eof_ = true;
      *eof = true;
      return absl::OkStatus();
    }
    if (errno == EINTR || errno == EAGAIN) continue;
    return absl::UnavailableError(absl::StrCat("recv: ", std::strerror(errno)));
  }
}

absl::Status HttpClient::Need(size_t pos, size_t n,
                              Clock::time_point deadline) {
  while (buf_.size() < pos + n) {
    bool eof = false;
    absl::Status s = Fill(deadline, &eof);
    if (!s.ok()) return s;
    if (eof) {
      return absl::DataLossError(
          absl::StrCat("connection closed mid-message: have ",
                       buf_.size() - pos, " of ", n, " bytes"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> HttpClient::FindLine(size_t pos,
                                            Clock::time_point deadline) {
  size_t from = pos;
  for (;;) {
    size_t at = buf_.find("\r\n", from);
    if (at != std::string::npos) return at;
    from = buf_.size() > pos ? buf_.size() - 1 : pos;
    if (buf_.size() - pos > 1024 * 1024) return Malformed("line over 1 MiB");
    bool eof = false;
    absl::Status s = Fill(deadline, &eof);
    if (!s.ok()) return s;
    if (eof) {
      return buf_.size() == pos && pos == 0
                 ? absl::UnavailableError("connection closed, no response")
                 : absl::DataLossError("connection closed mid-line");
    }
  }
}

absl::StatusOr<HttpResponse> HttpClient::ReadResponse(
    const ReadOptions& options) {
  auto deadline = Clock::now() + options.timeout;
  for (;;) {
    HttpResponse r;
    absl::StatusOr<size_t> eol = FindLine(0, deadline);
    if (!eol.ok()) return eol.status();
    std::string_view line(buf_.data(), *eol);
    if (line.find_first_of("\r\n") != std::string_view::npos) {
      return Malformed("bare CR or LF in the status line");
    }
    // Status line: HTTP/x.y SP 3DIGIT SP reason
    if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[8] != ' ' ||
        (line.size() > 12 && line[12] != ' ')) {
      return Malformed("status line '" + std::string(line.substr(0, 80)) + "'");
    }
    r.version = std::string(line.substr(0, 8));
    uint64_t code = 0;
    if (!ParseDecimal(line.substr(9, 3), &code)) {
      return Malformed("status code");
    }
    r.status = static_cast<int>(code);
    if (line.size() > 13) r.reason = std::string(line.substr(13));
    size_t pos = *eol + 2;
    for (;;) {
      absl::StatusOr<size_t> end = FindLine(pos, deadline);
      if (!end.ok()) return end.status();
      std::string_view h(buf_.data() + pos, *end - pos);
      pos = *end + 2;
      if (h.empty()) break;
      if (h.find('\n') != std::string_view::npos ||
          h.find('\r') != std::string_view::npos) {
        return Malformed("bare CR or LF in the head");
      }
      if (h[0] == ' ' || h[0] == '\t') return Malformed("obs-fold");
      size_t colon = h.find(':');
      if (colon == std::string_view::npos || colon == 0 ||
          h[colon - 1] == ' ' || h[colon - 1] == '\t') {
        return Malformed("header line '" + std::string(h.substr(0, 80)) + "'");
      }
      r.headers.emplace_back(std::string(h.substr(0, colon)),
                             std::string(Trim(h.substr(colon + 1))));
    }

    // Framing (RFC 9112 §6.3).
    bool no_body = options.head_request || r.status / 100 == 1 ||
                   r.status == 204 || r.status == 304;
    std::vector<std::string> te = r.HeaderValues("transfer-encoding");
    std::vector<std::string> cl = r.HeaderValues("content-length");
    if (!no_body && !te.empty()) {
      std::string last = te.back();
      size_t comma = last.rfind(',');
      if (comma != std::string::npos) last = last.substr(comma + 1);
      if (EqNoCase(Trim(last), "chunked")) {
        r.chunked = true;
        for (;;) {
          absl::StatusOr<size_t> end = FindLine(pos, deadline);
          if (!end.ok()) return end.status();
          std::string_view size_line(buf_.data() + pos, *end - pos);
          size_line = size_line.substr(0, size_line.find(';'));
          size_line = Trim(size_line);
          if (size_line.empty() || size_line.size() > 15) {
            return Malformed("chunk size line");
          }
          uint64_t size = 0;
          for (char c : size_line) {
            int d = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
            if (d < 0) return Malformed("chunk size");
            size = size * 16 + static_cast<uint64_t>(d);
          }
          pos = *end + 2;
          if (size == 0) {
            for (;;) {  // trailer section
              absl::StatusOr<size_t> t = FindLine(pos, deadline);
              if (!t.ok()) return t.status();
              std::string_view tl(buf_.data() + pos, *t - pos);
              pos = *t + 2;
              if (tl.empty()) break;
              size_t colon = tl.find(':');
              if (colon == std::string_view::npos) {
                return Malformed("trailer line");
              }
              r.trailers.emplace_back(std::string(tl.substr(0, colon)),
                                      std::string(Trim(tl.substr(colon + 1))));
            }
            break;
          }
          absl::Status s = Need(pos, size + 2, deadline);
          if (!s.ok()) return s;
          r.body.append(buf_, pos, size);
          if (buf_.compare(pos + size, 2, "\r\n") != 0) {
            return Malformed("chunk data not followed by CRLF");
          }
          pos += size + 2;
        }
      } else {
        r.close_delimited = true;
      }
    } else if (!no_body && !cl.empty()) {
      uint64_t len = 0;
      for (const std::string& v : cl) {
        uint64_t x = 0;
        if (!ParseDecimal(v, &x))
          return Malformed("Content-Length '" + v + "'");
        if (&v != &cl.front() && x != len) {
          return Malformed("conflicting Content-Length values");
        }
        len = x;
      }
      absl::Status s = Need(pos, len, deadline);
      if (!s.ok()) return s;
      r.body = buf_.substr(pos, len);
      pos += len;
    } else if (!no_body) {
      r.close_delimited = true;
    }
    if (r.close_delimited) {
      for (;;) {
        bool eof = false;
        absl::Status s = Fill(deadline, &eof);
        if (!s.ok()) return s;
        if (eof) break;
      }
      r.body = buf_.substr(pos);
      pos = buf_.size();
    }
    buf_.erase(0, pos);
    if (options.skip_interim && r.status / 100 == 1 && r.status != 101) {
      continue;
    }
    return r;
  }
}

absl::StatusOr<HttpResponse> HttpClient::RoundTrip(std::string_view request,
                                                   const ReadOptions& options) {
  absl::Status s = Send(request, options.timeout);
  if (!s.ok()) return s;
  return ReadResponse(options);
}

PeerState HttpClient::WaitForClose(milliseconds timeout) {
  if (!buf_.empty()) return PeerState::kData;
  if (eof_) return PeerState::kClosed;
  auto deadline = Clock::now() + timeout;
  bool eof = false;
  absl::Status s = Fill(deadline, &eof);
  if (s.ok()) return eof ? PeerState::kClosed : PeerState::kData;
  if (absl::IsDeadlineExceeded(s)) return PeerState::kTimeout;
  return PeerState::kReset;
}

std::string HttpClient::ReadAvailable(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    bool eof = false;
    if (!Fill(deadline, &eof).ok() || eof) break;
  }
  return std::exchange(buf_, std::string());
}

std::string HttpClient::ReadExactly(size_t n, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (buf_.size() < n) {
    bool eof = false;
    if (!Fill(deadline, &eof).ok() || eof) break;
  }
  std::string out = buf_.substr(0, n);
  buf_.erase(0, out.size());
  return out;
}

void HttpClient::ShutdownWrite() { ::shutdown(fd_.get(), SHUT_WR); }

void HttpClient::Abort() {
  linger lg{1, 0};
  ::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  fd_.Reset();
}

std::string BuildRequest(std::string_view method, std::string_view target,
                         const HeaderList& headers, std::string_view body,
                         std::string_view version) {
  std::string out;
  out.reserve(128 + body.size());
  out.append(method).append(" ").append(target).append(" ");
  out.append(version).append("\r\n");
  if (!HasHeader(headers, "host")) out.append("Host: localhost\r\n");
  for (const auto& [n, v] : headers) {
    out.append(n).append(": ").append(v).append("\r\n");
  }
  if (!body.empty() && !HasHeader(headers, "content-length") &&
      !HasHeader(headers, "transfer-encoding")) {
    out.append("Content-Length: ")
        .append(std::to_string(body.size()))
        .append("\r\n");
  }
  out.append("\r\n");
  out.append(body);
  return out;
}

std::string ChunkedBody(std::string_view body,
                        const std::vector<size_t>& sizes) {
  std::string out;
  size_t i = 0;
  while (!body.empty()) {
    size_t n =
        std::min(body.size(), std::max<size_t>(1, sizes[i++ % sizes.size()]));
    char hex[32];
    std::snprintf(hex, sizeof(hex), "%zx\r\n", n);
    out.append(hex).append(body.substr(0, n)).append("\r\n");
    body.remove_prefix(n);
  }
  out.append("0\r\n\r\n");
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 15]);
  }
  return hex;
}

}  // namespace jwtgate::testing
