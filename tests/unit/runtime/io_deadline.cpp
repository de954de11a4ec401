// A connection's lazily kept deadline, on a real loop and socket pair.
#include "runtime/io_deadline.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

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
};

// A read on the server side of a pair, under a deadline.
class io_deadline_read : public ::testing::Test {
protected:
  // Starts the read; `done` gets its error and when it ended.
  void
  read()
  {
    pair_.server.async_read_some(asio::buffer(buffer_), [this](error_code ec, std::size_t) {
      done_.emplace(ec, clock::now());
    });
  }

  // How long after the test began the read ended.
  clock::duration
  took() const
  {
    return done_->second - start_;
  }

  socket_pair pair_;
  io_deadline deadline_{pair_.server};
  std::optional<std::pair<error_code, clock::time_point>> done_;
  std::array<char, 16> buffer_{};
  clock::time_point const start_ = clock::now();
};

TEST_F(io_deadline_read, a_wait_past_its_deadline_fails_as_a_timeout)
{
  deadline_.expires_after(50ms);
  read();
  pair_.io.run_for(2s);
  ASSERT_TRUE(done_);
  EXPECT_TRUE(deadline_.expired());
  EXPECT_EQ(deadline_.failure(done_->first), error_code(boost::beast::error::timeout));
  EXPECT_GE(took(), 50ms);
  EXPECT_LT(took(), 1s);
}

TEST_F(io_deadline_read, moving_the_deadline_later_is_kept_without_cutting_short)
{
  deadline_.expires_after(50ms);
  asio::steady_timer later(pair_.io);
  later.expires_after(30ms);
  later.async_wait([&](error_code) { deadline_.expires_after(200ms); }); // the connection moved on
  read();
  pair_.io.run_for(2s);
  ASSERT_TRUE(done_);
  EXPECT_TRUE(deadline_.expired());
  EXPECT_GE(took(), 230ms);
  EXPECT_LT(took(), 1s);
}

TEST_F(io_deadline_read, moving_the_deadline_earlier_wakes_the_timer_for_it)
{
  // The idle wait's deadline is the far one; a request's first byte brings
  // the nearer read deadline.
  deadline_.expires_after(10s);
  deadline_.expires_after(60ms);
  read();
  pair_.io.run_for(3s);
  ASSERT_TRUE(done_);
  EXPECT_TRUE(deadline_.expired());
  EXPECT_LT(took(), 1s);
}

TEST_F(io_deadline_read, time_outside_a_scoped_wait_is_never_cut_short)
{
  // The role may work past the read timeout between reads and writes.
  {
    auto const scope = deadline_.within(20ms);
  }
  asio::steady_timer role_work(pair_.io);
  role_work.expires_after(100ms);
  role_work.async_wait([&](error_code) {
    EXPECT_FALSE(deadline_.expired());
    asio::write(pair_.client, asio::buffer("hi", 2));
    read();
  });
  pair_.io.run_for(2s);
  ASSERT_TRUE(done_);
  EXPECT_FALSE(done_->first) << done_->first.message();
  EXPECT_FALSE(deadline_.expired());
}

TEST_F(io_deadline_read, wake_ends_an_idle_wait_without_a_timeout)
{
  deadline_.expires_after(10s);
  read();
  asio::post(pair_.io, [&] { deadline_.wake(); });
  pair_.io.run_for(300ms); // the 10 s timer keeps the loop busy: stop well before it
  ASSERT_TRUE(done_);
  EXPECT_EQ(done_->first, asio::error::operation_aborted);
  EXPECT_FALSE(deadline_.expired());
}

TEST(io_deadline, a_wait_that_completes_in_time_is_unharmed_and_the_timer_stops_with_the_deadline)
{
  socket_pair p;
  std::optional<error_code> done;
  std::array<char, 16> buf{};
  {
    io_deadline d(p.server);
    d.expires_after(30ms);
    asio::write(p.client, asio::buffer("hi", 2));
    p.server.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) { done = ec; });
    p.io.run_for(10ms);
    ASSERT_TRUE(done);
    EXPECT_FALSE(*done);
  } // the deadline goes while its timer still waits
  p.io.restart();
  p.io.run_for(100ms); // the timer's handler runs, and leaves the socket alone
  EXPECT_TRUE(p.server.is_open());
}

} // namespace io_deadline_test
} // namespace zddc::runtime
