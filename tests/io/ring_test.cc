// Real io_uring on real loopback sockets. A machine where the ring cannot
// be set up fails these tests: the gateway cannot run there either.
#include "jwtgate/io/ring.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "jwtgate/io/buffer_ring.h"
#include "jwtgate/io/socket.h"
#include "jwtgate/io/user_data.h"

namespace jwtgate::io {
namespace {

SocketAddress Loopback(uint16_t port) {
  SocketAddress a;
  auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
  in->sin_family = AF_INET;
  in->sin_port = htons(port);
  in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.len = sizeof(sockaddr_in);
  return a;
}

uint16_t PortOf(const SocketAddress& a) {
  return ntohs(reinterpret_cast<const sockaddr_in*>(&a.storage)->sin_port);
}

// A connected TCP pair on 127.0.0.1: {accepted side, client side}.
std::pair<UniqueFd, UniqueFd> TcpPair() {
  auto listener = ListenReusePort(Loopback(0), 16);
  EXPECT_TRUE(listener.ok()) << listener.status();
  auto bound = LocalAddress(listener->get());
  EXPECT_TRUE(bound.ok());
  UniqueFd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_EQ(connect(client.get(), bound->addr(), bound->len), 0);
  UniqueFd server(accept4(listener->get(), nullptr, nullptr, SOCK_CLOEXEC));
  EXPECT_TRUE(server.valid());
  return {std::move(server), std::move(client)};
}

// Waits (bounded) and collects completions.
std::vector<io_uring_cqe> Collect(Ring& ring, size_t at_least) {
  std::vector<io_uring_cqe> out;
  for (int i = 0; i < 50 && out.size() < at_least; ++i) {
    ring.SubmitAndWait(100);
    ring.ForEachCompletion([&](const io_uring_cqe& c) { out.push_back(c); });
  }
  return out;
}

TEST(RingTest, CreatesAndCompletesANop) {
  auto ring = Ring::Create({.sq_entries = 8, .cq_entries = 64});
  ASSERT_TRUE(ring.ok()) << ring.status();
  io_uring_sqe* sqe = (*ring)->GetSqe();
  io_uring_prep_nop(sqe);
  io_uring_sqe_set_data64(sqe, UserData::Pack(9, 3, 4));
  auto cqes = Collect(**ring, 1);
  ASSERT_EQ(cqes.size(), 1u);
  EXPECT_EQ(UserData::Kind(cqes[0].user_data), 9);
  EXPECT_EQ(UserData::Slot(cqes[0].user_data), 3u);
  EXPECT_EQ(cqes[0].res, 0);
  EXPECT_EQ((*ring)->cq_overflow(), 0u);
}

TEST(RingTest, GetSqeSubmitsWhenTheQueueIsFull) {
  auto ring = Ring::Create({.sq_entries = 4, .cq_entries = 64});
  ASSERT_TRUE(ring.ok()) << ring.status();
  for (int i = 0; i < 10; ++i) {
    io_uring_sqe* sqe = (*ring)->GetSqe();
    ASSERT_NE(sqe, nullptr);
    io_uring_prep_nop(sqe);
    io_uring_sqe_set_data64(sqe, UserData::Pack(1, i, 0));
  }
  EXPECT_EQ(Collect(**ring, 10).size(), 10u);
}

TEST(RingTest, WaitTimesOutWithoutCompletions) {
  auto ring = Ring::Create({});
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_EQ((*ring)->SubmitAndWait(20), -ETIME);
}

TEST(BufferRingTest, RejectsBadSizes) {
  auto ring = Ring::Create({});
  ASSERT_TRUE(ring.ok());
  EXPECT_FALSE(BufferRing::Create(ring->get(), 0, 3, 64).ok());
  EXPECT_FALSE(BufferRing::Create(ring->get(), 0, 65536, 64).ok());
  EXPECT_FALSE(BufferRing::Create(ring->get(), 0, 4, 0).ok());
}

TEST(BufferRingTest, MultishotRecvFillsBuffersAndRunsDryThenRecovers) {
  auto ring = Ring::Create({});
  ASSERT_TRUE(ring.ok()) << ring.status();
  auto br = BufferRing::Create(ring->get(), 5, 2, 16);
  ASSERT_TRUE(br.ok()) << br.status();
  auto [server, client] = TcpPair();

  auto arm = [&] {
    io_uring_sqe* sqe = (*ring)->GetSqe();
    io_uring_prep_recv_multishot(sqe, server.get(), nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = (*br)->group_id();
    io_uring_sqe_set_data64(sqe, UserData::Pack(2, 0, 1));
  };
  arm();
  ASSERT_EQ(write(client.get(), "hello", 5), 5);
  auto cqes = Collect(**ring, 1);
  ASSERT_EQ(cqes.size(), 1u);
  ASSERT_EQ(cqes[0].res, 5);
  ASSERT_TRUE(cqes[0].flags & IORING_CQE_F_BUFFER);
  EXPECT_TRUE(cqes[0].flags & IORING_CQE_F_MORE);
  uint16_t bid0 = cqes[0].flags >> IORING_CQE_BUFFER_SHIFT;
  EXPECT_EQ(std::string((*br)->Take(bid0), 5), "hello");
  EXPECT_EQ((*br)->held(), 1u);

  // Second message takes the last buffer; the third finds the ring empty
  // and ends the multishot with -ENOBUFS.
  ASSERT_EQ(write(client.get(), "world", 5), 5);
  cqes = Collect(**ring, 1);
  ASSERT_EQ(cqes.size(), 1u);
  uint16_t bid1 = cqes[0].flags >> IORING_CQE_BUFFER_SHIFT;
  EXPECT_NE(bid0, bid1);
  EXPECT_EQ(std::string((*br)->Take(bid1), 5), "world");
  EXPECT_EQ((*br)->available(), 0u);
  ASSERT_EQ(write(client.get(), "again", 5), 5);
  cqes = Collect(**ring, 1);
  ASSERT_EQ(cqes.size(), 1u);
  EXPECT_EQ(cqes[0].res, -ENOBUFS);
  EXPECT_FALSE(cqes[0].flags & IORING_CQE_F_MORE);

  // Buffers handed back: a re-armed recv gets the pending bytes.
  (*br)->Recycle(bid0);
  (*br)->Recycle(bid1);
  (*br)->Publish();
  EXPECT_EQ((*br)->held(), 0u);
  arm();
  cqes = Collect(**ring, 1);
  ASSERT_EQ(cqes.size(), 1u);
  ASSERT_EQ(cqes[0].res, 5);
  uint16_t bid2 = cqes[0].flags >> IORING_CQE_BUFFER_SHIFT;
  EXPECT_EQ(std::string((*br)->Take(bid2), 5), "again");

  // EOF ends the multishot with res 0 and no buffer.
  client.Reset();
  cqes = Collect(**ring, 1);
  ASSERT_EQ(cqes.size(), 1u);
  EXPECT_EQ(cqes[0].res, 0);
  EXPECT_FALSE(cqes[0].flags & IORING_CQE_F_MORE);
}

TEST(SocketTest, ReusePortListenersShareAPortAndBindErrorsAreClear) {
  auto first = ListenReusePort(Loopback(0), 16);
  ASSERT_TRUE(first.ok()) << first.status();
  auto bound = LocalAddress(first->get());
  ASSERT_TRUE(bound.ok());
  const uint16_t port = PortOf(*bound);
  auto second = ListenReusePort(Loopback(port), 16);
  EXPECT_TRUE(second.ok()) << second.status();

  // A plain socket (no SO_REUSEPORT) holding a port makes ours fail.
  UniqueFd plain(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  SocketAddress any = Loopback(0);
  ASSERT_EQ(bind(plain.get(), any.addr(), any.len), 0);
  ASSERT_EQ(listen(plain.get(), 1), 0);
  auto taken = LocalAddress(plain.get());
  ASSERT_TRUE(taken.ok());
  auto clash = ListenReusePort(Loopback(PortOf(*taken)), 16);
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find("Address already in use"),
            std::string::npos)
      << clash.status();
}

TEST(SocketTest, MultishotAcceptDeliversEachConnection) {
  auto ring = Ring::Create({});
  ASSERT_TRUE(ring.ok());
  auto listener = ListenReusePort(Loopback(0), 16);
  ASSERT_TRUE(listener.ok());
  auto bound = LocalAddress(listener->get());
  io_uring_sqe* sqe = (*ring)->GetSqe();
  io_uring_prep_multishot_accept(sqe, listener->get(), nullptr, nullptr,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, UserData::Pack(1, 0, 0));
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_EQ(connect(clients.back().get(), bound->addr(), bound->len), 0);
  }
  auto cqes = Collect(**ring, 3);
  ASSERT_EQ(cqes.size(), 3u);
  for (const auto& c : cqes) {
    ASSERT_GE(c.res, 0);
    EXPECT_TRUE(c.flags & IORING_CQE_F_MORE);
    auto peer = PeerAddress(c.res);
    EXPECT_TRUE(peer.ok());
    close(c.res);
  }
}

}  // namespace
}  // namespace jwtgate::io
