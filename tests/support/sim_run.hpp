#pragma once
// Running one coroutine to its end under virtual time: what every role test
// over the simulator does to call a handler, a walk or a replay pass.

#include "sim/scheduler.hpp"
#include "sim/virtual_clock.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <utility>

namespace zddc::test_support {

/// Runs `work` on `io`, advancing `clock` as timers fall due, until it
/// returns or `limit` of virtual time has passed (then nullopt). An
/// exception thrown by `work` is rethrown here.
template<class T>
std::optional<T>
run_for(boost::asio::io_context& io, sim::virtual_clock& clock, boost::asio::awaitable<T> work,
        env::duration limit = std::chrono::minutes(10))
{
  std::optional<T> out;
  boost::asio::co_spawn(io, std::move(work), [&](std::exception_ptr e, T value) {
    if(e)
      std::rethrow_exception(e);
    out = std::move(value);
  });
  sim::run_while(io, clock, [&] { return ! out; }, clock.now() + limit);
  return out;
}

} // namespace zddc::test_support
