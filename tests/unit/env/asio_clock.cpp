#include "runtime/asio_clock.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

namespace zddc::runtime {
namespace asio_clock_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

TEST(asio_clock, now_is_the_system_time)
{
  asio::io_context io;
  asio_clock clock(io.get_executor());
  auto const sys = std::chrono::system_clock::now();
  EXPECT_LT(std::chrono::abs(clock.now() - sys), 5s);
}

TEST(asio_clock, a_wait_ends_at_or_after_its_deadline)
{
  asio::io_context io;
  asio_clock clock(io.get_executor());
  env::time_point deadline{}, woke{};
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    deadline = clock.now() + 20ms;
    co_await clock.sleep_until(deadline);
    woke = clock.now();
  }, asio::detached);
  io.run();
  EXPECT_GE(woke, deadline);
}

// The production side of DESIGN.md §3's trap: the race must end with its
// first branch, not wait for the 10 s one.
TEST(asio_clock, timeout_race_ends_with_the_first_branch)
{
  asio::io_context io;
  asio_clock clock(io.get_executor());
  std::optional<std::size_t> winner;
  auto const started = std::chrono::steady_clock::now();
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto const r = co_await (clock.sleep_until(clock.now() + 10ms) || clock.sleep_until(clock.now() + 10s));
    winner = r.index();
  }, asio::detached);
  io.run();
  ASSERT_TRUE(winner);
  EXPECT_EQ(*winner, 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

} // namespace
} // namespace zddc::runtime
