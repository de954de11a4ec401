#include "sim/scheduler.hpp"
#include "sim/virtual_clock.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zddc::sim {
namespace virtual_clock_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

asio::awaitable<void>
sleeper(virtual_clock& clock, env::duration after, std::string name, std::vector<std::string>& log)
{
  co_await clock.sleep_until(clock.now() + after);
  log.push_back(name);
}

TEST(virtual_clock, fires_in_deadline_then_arrival_order)
{
  asio::io_context io;
  virtual_clock clock(io.get_executor());
  std::vector<std::string> log;
  asio::co_spawn(io, sleeper(clock, 3s, "c", log), asio::detached);
  asio::co_spawn(io, sleeper(clock, 1s, "a1", log), asio::detached);
  asio::co_spawn(io, sleeper(clock, 1s, "a2", log), asio::detached);
  asio::co_spawn(io, sleeper(clock, 2s, "b", log), asio::detached);
  run_ready(io);
  EXPECT_EQ(clock.pending(), 4u);
  EXPECT_EQ(clock.now(), default_epoch); // nothing moves time but the simulator
  run_until_quiet(io, clock);
  EXPECT_EQ(log, (std::vector<std::string>{"a1", "a2", "b", "c"}));
  EXPECT_EQ(clock.now(), default_epoch + 3s);
}

TEST(virtual_clock, a_simulated_day_takes_no_real_time)
{
  asio::io_context io;
  virtual_clock clock(io.get_executor());
  int ticks = 0, hours = 0;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    for(int i = 0; i < 86400; ++i) {
      co_await clock.sleep_until(clock.now() + 1s);
      ++ticks;
    }
  }, asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    for(int i = 0; i < 24; ++i) {
      co_await clock.sleep_until(clock.now() + 1h);
      ++hours;
    }
  }, asio::detached);
  auto const wall = std::chrono::steady_clock::now();
  run_until_quiet(io, clock);
  EXPECT_EQ(ticks, 86400);
  EXPECT_EQ(hours, 24);
  EXPECT_EQ(clock.now(), default_epoch + 24h);
  // Generous: the point is "no sleeping", not speed.
  EXPECT_LT(std::chrono::steady_clock::now() - wall, 30s);
}

// DESIGN.md §3's trap: the losing branch of a timeout race must leave the
// queue at once, without moving time to its deadline.
TEST(virtual_clock, timeout_race_ends_at_the_earlier_deadline)
{
  asio::io_context io;
  virtual_clock clock(io.get_executor());
  std::optional<std::size_t> winner;
  env::time_point ended{};
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto const start = clock.now();
    auto const r = co_await (clock.sleep_until(start + 5s) || clock.sleep_until(start + 30s));
    winner = r.index();
    ended = clock.now();
  }, asio::detached);
  run_until_quiet(io, clock);
  ASSERT_TRUE(winner);
  EXPECT_EQ(*winner, 0u);
  EXPECT_EQ(ended, default_epoch + 5s);
  EXPECT_EQ(clock.now(), default_epoch + 5s); // the 30 s wait did not drag time along
  EXPECT_EQ(clock.pending(), 0u);
}

TEST(virtual_clock, past_deadlines_complete_without_moving_time)
{
  asio::io_context io;
  virtual_clock clock(io.get_executor());
  bool done = false;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    co_await clock.sleep_until(clock.now() - 1h);
    co_await clock.sleep_until(clock.now());
    done = true;
  }, asio::detached);
  EXPECT_FALSE(done); // never inline
  run_ready(io);
  EXPECT_TRUE(done);
  EXPECT_EQ(clock.now(), default_epoch);
}

TEST(virtual_clock, explicit_cancellation_aborts_the_wait)
{
  asio::io_context io;
  virtual_clock clock(io.get_executor());
  asio::cancellation_signal signal;
  std::optional<error_code> result;
  clock.async_sleep_until(clock.now() + 1h,
                          asio::bind_cancellation_slot(signal.slot(), [&](error_code ec) { result = ec; }));
  run_ready(io);
  EXPECT_EQ(clock.pending(), 1u);
  signal.emit(asio::cancellation_type::terminal);
  EXPECT_EQ(clock.pending(), 0u);
  EXPECT_FALSE(result); // completion is posted, not inline
  run_ready(io);
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, asio::error::operation_aborted);
  EXPECT_EQ(clock.now(), default_epoch);
}

std::vector<std::string>
scripted_run()
{
  asio::io_context io;
  virtual_clock clock(io.get_executor());
  std::vector<std::string> log;
  for(int i = 0; i < 50; ++i)
    asio::co_spawn(io, sleeper(clock, std::chrono::milliseconds((i * 7919) % 1000), std::to_string(i), log),
                   asio::detached);
  run_until_quiet(io, clock);
  return log;
}

TEST(virtual_clock, identical_runs_give_identical_orders)
{
  EXPECT_EQ(scripted_run(), scripted_run());
}

TEST(scheduler, run_until_stops_at_the_limit)
{
  asio::io_context io;
  virtual_clock clock(io.get_executor());
  std::vector<std::string> log;
  asio::co_spawn(io, sleeper(clock, 1s, "early", log), asio::detached);
  asio::co_spawn(io, sleeper(clock, 1h, "late", log), asio::detached);
  run_until(io, clock, default_epoch + 10s);
  EXPECT_EQ(log, std::vector<std::string>{"early"});
  EXPECT_EQ(clock.now(), default_epoch + 10s);
  EXPECT_EQ(clock.pending(), 1u);
  run_until(io, clock, default_epoch + 2h);
  EXPECT_EQ(log, (std::vector<std::string>{"early", "late"}));
  EXPECT_EQ(clock.now(), default_epoch + 2h);
}

TEST(scheduler, run_while_stops_when_the_condition_fails)
{
  asio::io_context io;
  virtual_clock clock(io.get_executor());
  std::vector<std::string> log;
  for(int i = 1; i <= 5; ++i)
    asio::co_spawn(io, sleeper(clock, std::chrono::seconds(i), std::to_string(i), log), asio::detached);
  bool const held = run_while(io, clock, [&] { return log.size() < 3; }, default_epoch + 1h);
  EXPECT_FALSE(held);
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(clock.now(), default_epoch + 3s);
}

} // namespace
} // namespace zddc::sim
