#pragma once
/// @file
/// The Clock seam: the only way core code learns the time or waits.
///
/// Contract (every implementation):
/// - `now()` returns wall-clock time as integer nanoseconds since the Unix
///   epoch. The simulator's clock never goes backwards; the production clock
///   follows the system clock and may jump when an operator sets it, so core
///   code uses it for timestamps and deadlines, never for measuring short
///   intervals to the nanosecond.
/// - `sleep_until(t)` is an awaitable that completes at or after `t` as seen
///   by `now()`. A `t` in the past completes without waiting, but never
///   inline: it is posted, so a loop of past-deadline sleeps still yields.
/// - A sleep honours Asio per-operation cancellation (the awaiting
///   coroutine's cancellation slot, as used by `awaitable_operators`): a
///   cancelled sleep completes promptly by throwing `system_error` with
///   `asio::error::operation_aborted`, and in the simulator it leaves the
///   timer queue without moving time. This is what makes
///   `co_await (operation() || clock.sleep_until(deadline))` a timeout.
/// - A clock is used from one thread (its event loop).

#include <zddc/core/time.hpp>

#include <boost/asio/awaitable.hpp>

#include <concepts>

namespace zddc::env {

using core::duration;
using core::time_point;

template<class C>
concept Clock = requires(C& clock, time_point deadline) {
  { clock.now() } -> std::same_as<time_point>;
  { clock.sleep_until(deadline) } -> std::same_as<boost::asio::awaitable<void>>;
};

} // namespace zddc::env
