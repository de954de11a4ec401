// A connection's lazily kept deadline, on a real loop and socket pair.
#include "runtime/io_deadline.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <gtest/gtest.h>

#include <array>
#include <optional>

namespace zddc::runtime {
namespace io_deadline_test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

// A connected pair on 127.0.0.1; the server side is the one with deadlines.
struct socket_pair {
  asio::io_context io;
  tcp::socket server{io};
  tcp::socket client{io};
  socket_pair()
  {
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.connect(a.local_endpoint());
    server = a.accept();
  }

  // Starts a read on the server side; `done` gets its error and when.
  void
  read(std::optional<std::pair<error_code, clock::time_point>>& done, std::array<char, 16>& into)
  {
    server.async_read_some(asio::buffer(into), [&done](error_code ec, std::size_t) { done.emplace(ec, clock::now()); });
  }
};

TEST(io_deadline, a_wait_past_its_deadline_fails_as_a_timeout)
{
  socket_pair p;
  io_deadline d(p.server);
  std::optional<std::pair<error_code, clock::time_point>> done;
  std::array<char, 16> buf;
  auto const start = clock::now();
  d.expires_after(50ms);
  p.read(done, buf);
  p.io.run_for(2s);
  ASSERT_TRUE(done);
  EXPECT_TRUE(d.expired());
  EXPECT_EQ(d.failure(done->first), error_code(boost::beast::error::timeout));
  EXPECT_GE(done->second - start, 50ms);
  EXPECT_LT(done->second - start, 1s);
}

TEST(io_deadline, moving_the_deadline_later_is_kept_without_cutting_short)
{
  socket_pair p;
  io_deadline d(p.server);
  std::optional<std::pair<error_code, clock::time_point>> done;
  std::array<char, 16> buf;
  auto const start = clock::now();
  d.expires_after(50ms);
  asio::steady_timer later(p.io);
  later.expires_after(30ms);
  later.async_wait([&](error_code) { d.expires_after(200ms); }); // the connection moved on
  p.read(done, buf);
  p.io.run_for(2s);
  ASSERT_TRUE(done);
  EXPECT_TRUE(d.expired());
  EXPECT_GE(done->second - start, 230ms);
  EXPECT_LT(done->second - start, 1s);
}

TEST(io_deadline, moving_the_deadline_earlier_wakes_the_timer_for_it)
{
  // The idle wait's deadline is the far one; a request's first byte brings
  // the nearer read deadline.
  socket_pair p;
  io_deadline d(p.server);
  std::optional<std::pair<error_code, clock::time_point>> done;
  std::array<char, 16> buf;
  auto const start = clock::now();
  d.expires_after(10s);
  d.expires_after(60ms);
  p.read(done, buf);
  p.io.run_for(3s);
  ASSERT_TRUE(done);
  EXPECT_TRUE(d.expired());
  EXPECT_LT(done->second - start, 1s);
}

TEST(io_deadline, time_outside_a_scoped_wait_is_never_cut_short)
{
  // The role may work past the read timeout between reads and writes.
  socket_pair p;
  io_deadline d(p.server);
  {
    auto const scope = d.within(20ms);
  }
  std::optional<std::pair<error_code, clock::time_point>> done;
  asio::steady_timer role_work(p.io);
  role_work.expires_after(100ms);
  std::array<char, 16> buf;
  role_work.async_wait([&](error_code) {
    EXPECT_FALSE(d.expired());
    asio::write(p.client, asio::buffer("hi", 2));
    p.read(done, buf);
  });
  p.io.run_for(2s);
  ASSERT_TRUE(done);
  EXPECT_FALSE(done->first) << done->first.message();
  EXPECT_FALSE(d.expired());
}

TEST(io_deadline, a_wait_that_completes_in_time_is_unharmed_and_the_timer_stops_with_the_deadline)
{
  socket_pair p;
  std::optional<std::pair<error_code, clock::time_point>> done;
  std::array<char, 16> buf;
  {
    io_deadline d(p.server);
    d.expires_after(30ms);
    asio::write(p.client, asio::buffer("hi", 2));
    p.read(done, buf);
    p.io.run_for(10ms);
    ASSERT_TRUE(done);
    EXPECT_FALSE(done->first);
  } // the deadline goes while its timer still waits
  p.io.restart();
  p.io.run_for(100ms); // the timer's handler runs, and leaves the socket alone
  EXPECT_TRUE(p.server.is_open());
}

TEST(io_deadline, wake_ends_an_idle_wait_without_a_timeout)
{
  socket_pair p;
  io_deadline d(p.server);
  std::optional<std::pair<error_code, clock::time_point>> done;
  std::array<char, 16> buf;
  d.expires_after(10s);
  p.read(done, buf);
  asio::post(p.io, [&] { d.wake(); });
  p.io.run_for(300ms); // the 10 s timer keeps the loop busy: stop well before it
  ASSERT_TRUE(done);
  EXPECT_EQ(done->first, asio::error::operation_aborted);
  EXPECT_FALSE(d.expired());
}

} // namespace io_deadline_test
} // namespace zddc::runtime
