// The daemon's server, below the HTTP level.
#include "runtime/http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace zddc::runtime {
namespace http_server_test {

using tcp = boost::asio::ip::tcp;

TEST(http_server, an_accepted_connection_does_not_wait_for_nagle)
{
  // Without TCP_NODELAY a response written as header then body stalled
  // ~40 ms on the client's delayed ACK: small GETs ran at 3% of nginx.
  boost::asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  auto accepted = acceptor.accept();
  tcp::no_delay before;
  accepted.get_option(before);
  EXPECT_FALSE(before.value()); // the kernel's default: the test means something
  prepare_accepted(accepted);
  tcp::no_delay after;
  accepted.get_option(after);
  EXPECT_TRUE(after.value());
}

TEST(http_server, a_failing_accept_pauses_10ms_doubling_to_1s_and_starts_over_after_a_success)
{
  // Exhausted descriptors used to spin the accept loop: 10 s of CPU per 10 s.
  using std::chrono::milliseconds;
  accept_backoff b;
  std::vector<milliseconds> pauses;
  for(int i = 0; i < 9; ++i)
    pauses.push_back(b.next());
  EXPECT_EQ(pauses, (std::vector<milliseconds>{milliseconds(10), milliseconds(20), milliseconds(40), milliseconds(80),
                                               milliseconds(160), milliseconds(320), milliseconds(640),
                                               milliseconds(1000), milliseconds(1000)}));
  b.reset();
  EXPECT_EQ(b.next(), milliseconds(10));
  // A sustained failure costs about one accept attempt a second.
  accept_backoff sustained;
  milliseconds waited{0};
  int attempts = 0;
  while(waited < std::chrono::seconds(10)) {
    waited += sustained.next();
    ++attempts;
  }
  EXPECT_LT(attempts, 20);
}

TEST(http_server, a_sustained_accept_failure_costs_about_one_attempt_a_second_and_one_log_line_per_10s)
{
  // The accept loop as it runs when descriptors are exhausted (EMFILE),
  // on virtual time: it used to retry at once, 5.3 M lines in 10 s.
  accept_pacer pacer;
  accept_pacer::clock::time_point const t0{};
  auto now = t0;
  int attempts = 0;
  int lines = 0;
  std::vector<std::uint64_t> not_logged;
  while(now < t0 + std::chrono::seconds(60)) {
    auto const step = pacer.failed(now);
    ++attempts;
    if(step.log_not_logged) {
      ++lines;
      not_logged.push_back(*step.log_not_logged);
    }
    now += step.pause;
  }
  EXPECT_LT(attempts, 70); // ~8 while the pause grows, then one a second
  EXPECT_EQ(lines, 6);     // at 0 s, then about every 10 s
  EXPECT_EQ(not_logged.front(), 0u);
  EXPECT_GE(not_logged.back(), 9u);
  // Descriptors come back: the failures since the last line are told once a
  // line is due, and the next failure pauses only 10 ms again.
  auto const closing = pacer.succeeded(now + std::chrono::seconds(10));
  ASSERT_TRUE(closing);
  EXPECT_GT(*closing, 0u);
  EXPECT_FALSE(pacer.succeeded(now + std::chrono::seconds(11)));
  EXPECT_EQ(pacer.failed(now + std::chrono::seconds(12)).pause, std::chrono::milliseconds(10));
}

} // namespace
} // namespace zddc::runtime
