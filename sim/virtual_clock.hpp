#pragma once
/// @file
/// Virtual time for the simulator (the Clock seam, env/clock.hpp).
///
/// Time moves only when the simulator says so (`advance`, `advance_to`);
/// nothing here ever sleeps. Waiting timers sit in a queue ordered by
/// (deadline, arrival), so timers due at the same instant fire in the order
/// they were set: a run is a function of its inputs.
///
/// A wait is an Asio asynchronous operation, so it honours per-operation
/// cancellation: a cancelled wait leaves the queue at once, completes with
/// `operation_aborted`, and does not move time. Without that, the timeout
/// race `co_await (op() || clock.sleep_until(t))` would end only when its
/// slower branch did (DESIGN.md §3, "the trap").

#include <zddc/core/assert.hpp>
#include <zddc/core/error.hpp>
#include <zddc/env/clock.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <utility>

namespace zddc::sim {

/// 2026-01-01T00:00:00Z: where simulated time starts unless told otherwise.
inline constexpr env::time_point default_epoch = env::time_point(std::chrono::seconds(1767225600));

class virtual_clock {
public:
  /// `executor` runs completions of handlers that have no executor of their
  /// own (coroutines bring theirs).
  explicit virtual_clock(boost::asio::any_io_executor executor, env::time_point start = default_epoch)
    : executor_(std::move(executor)), now_(start)
  {
  }
  virtual_clock(const virtual_clock&) = delete;
  virtual_clock& operator=(const virtual_clock&) = delete;

  env::time_point now() const noexcept { return now_; }

  /// Waits until `now() >= deadline`, for any completion token (`void(error_code)`).
  template<class Token>
  auto
  async_sleep_until(env::time_point deadline, Token&& token)
  {
    return boost::asio::async_initiate<Token, void(error_code)>(
      [this](auto handler, env::time_point d) { enqueue(d, std::move(handler)); }, token, deadline);
  }

  /// Completes once `now() >= deadline` (the Clock seam's wait).
  boost::asio::awaitable<void>
  sleep_until(env::time_point deadline)
  {
    return async_sleep_until(deadline, boost::asio::use_awaitable);
  }

  /// The earliest pending deadline, if any.
  std::optional<env::time_point>
  next_deadline() const
  {
    if(queue_.empty())
      return std::nullopt;
    return queue_.begin()->first.first;
  }

  std::size_t pending() const noexcept { return queue_.size(); }

  /// Jumps to the earliest deadline and fires every timer due then (their
  /// completions are posted, in order). False when nothing is waiting.
  bool
  advance()
  {
    auto const next = next_deadline();
    if(! next)
      return false;
    now_ = *next;
    fire_due();
    return true;
  }

  /// Moves time forward to `t` (never back), firing every timer due by then.
  void
  advance_to(env::time_point t)
  {
    ZDDC_ASSERT(t >= now_);
    now_ = t;
    fire_due();
  }

  /// Drops every waiting timer without running it, destroying whatever
  /// waits on them (coroutine frames included): for tearing a world down
  /// while the objects those frames refer to still exist.
  void abandon() noexcept { queue_.clear(); }

private:
  using handler_type = boost::asio::any_completion_handler<void(error_code)>;
  using key_type = std::pair<env::time_point, std::uint64_t>;

  struct waiter {
    handler_type handler;
    boost::asio::any_io_executor executor; // where the completion runs
    boost::asio::cancellation_slot slot;   // the caller's, if connected
  };

  template<class Handler>
  void
  enqueue(env::time_point deadline, Handler&& concrete)
  {
    // Only ever move-construct an any_completion_handler: its move
    // assignment in Boost 1.81 copies from an lvalue, which picks the
    // wrapping constructor and recurses until the stack is gone.
    boost::asio::any_io_executor executor = boost::asio::get_associated_executor(concrete, executor_);
    auto slot = boost::asio::get_associated_cancellation_slot(concrete);
    waiter w{handler_type(std::forward<Handler>(concrete)), std::move(executor), slot};
    if(deadline <= now_) {
      complete(std::move(w), {});
      return;
    }
    key_type const key{deadline, sequence_++};
    if(slot.is_connected())
      slot.assign([this, key](boost::asio::cancellation_type) {
        auto const it = queue_.find(key);
        if(it == queue_.end())
          return;
        auto cancelled = std::move(it->second);
        queue_.erase(it);
        cancelled.slot = {}; // running inside the slot's handler: it must not be cleared here
        complete(std::move(cancelled), boost::asio::error::operation_aborted);
      });
    queue_.emplace(key, std::move(w));
  }

  void
  fire_due()
  {
    while(! queue_.empty() && queue_.begin()->first.first <= now_) {
      auto w = std::move(queue_.begin()->second);
      queue_.erase(queue_.begin());
      complete(std::move(w), {});
    }
  }

  static void
  complete(waiter w, error_code ec)
  {
    if(w.slot.is_connected())
      w.slot.clear();
    // Never inline: through the handler's own executor. (Not asio::append:
    // in Boost 1.81 it re-wraps an any_completion_handler without end.)
    boost::asio::post(w.executor, [h = std::move(w.handler), ec]() mutable { std::move(h)(ec); });
  }

  boost::asio::any_io_executor executor_;
  env::time_point now_;
  std::uint64_t sequence_ = 0;
  std::map<key_type, waiter> queue_;
};

static_assert(env::Clock<virtual_clock>);

} // namespace zddc::sim
