#pragma once
/// @file
/// The daemon's Clock: wall time from the system clock, waits on an Asio
/// steady timer of the loop's executor. A wait is aimed once, at
/// `deadline - now()`: if an operator sets the system clock during the wait,
/// the wait does not re-aim (it ends after the same elapsed time).

#include <zddc/env/clock.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>

namespace zddc::runtime {

class asio_clock {
public:
  explicit asio_clock(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  env::time_point
  now() const
  {
    return std::chrono::time_point_cast<env::duration>(std::chrono::system_clock::now());
  }

  boost::asio::awaitable<void>
  sleep_until(env::time_point deadline)
  {
    boost::asio::steady_timer timer(executor_);
    timer.expires_after(std::max(deadline - now(), env::duration::zero()));
    co_await timer.async_wait(boost::asio::use_awaitable);
  }

private:
  boost::asio::any_io_executor executor_;
};

static_assert(env::Clock<asio_clock>);

} // namespace zddc::runtime
