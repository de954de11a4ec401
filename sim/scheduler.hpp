#pragma once
/// @file
/// The simulator's run loop (the recipe of FoundationDB's Sim2 and
/// stellar-core's VirtualClock): run everything that is ready; when nothing
/// is, jump the virtual clock to the next deadline and fire it; stop when
/// nothing is ready and nothing is waiting, or at a time limit. One thread,
/// no real sleeping, so a simulated day takes as long as its work does.

#include "sim/virtual_clock.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>

namespace zddc::sim {

/// Runs handlers until none is ready.
inline void
run_ready(boost::asio::io_context& io)
{
  for(;;) {
    io.restart();
    if(io.poll() == 0)
      return;
  }
}

/// Runs until nothing is ready and no timer is waiting.
inline void
run_until_quiet(boost::asio::io_context& io, virtual_clock& clock)
{
  do
    run_ready(io);
  while(clock.advance());
}

/// Runs while `keep_going()` holds, never moving time past `limit`; leaves
/// `now() == limit` unless it stopped earlier because `keep_going()` failed.
/// Returns whether `keep_going()` still held.
inline bool
run_while(boost::asio::io_context& io, virtual_clock& clock, const std::function<bool()>& keep_going,
          env::time_point limit)
{
  for(;;) {
    run_ready(io);
    if(! keep_going())
      return false;
    auto const next = clock.next_deadline();
    if(! next || *next > limit) {
      if(clock.now() < limit) {
        clock.advance_to(limit);
        run_ready(io);
      }
      return keep_going();
    }
    clock.advance();
  }
}

/// Runs until `limit`.
inline void
run_until(boost::asio::io_context& io, virtual_clock& clock, env::time_point limit)
{
  run_while(io, clock, [] { return true; }, limit);
}

} // namespace zddc::sim
